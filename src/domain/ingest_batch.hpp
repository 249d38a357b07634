#pragma once
// One unit of durable work: everything a group of MQTT messages (and the presence and log
// events raised meanwhile) changes. The store applies a batch in one transaction.
#include <string>
#include <vector>

#include "domain/entities.hpp"
#include "domain/ota.hpp"

namespace blazeiot {

struct EntitySighting {
  EntityKind kind = EntityKind::device;
  std::string id;          // device_id, gateway_id, or the node's mac
  std::string gateway_id;  // nodes only
  std::string name;        // used when the entity is created
  std::string type;        // used when the entity is created
  EpochMs seen_at = 0;
};

struct PresenceChange {
  EntityKind kind = EntityKind::device;
  std::string id;
  std::string gateway_id;  // nodes only
  Presence status = Presence::offline;
  EpochMs at = 0;
};

struct IngestBatch {
  std::vector<EntitySighting> sightings;  // create if missing, set last_seen, mark online
  std::vector<Reading> readings;
  std::vector<PresenceChange> presence;   // applied after sightings
  std::vector<OtaResponse> ota_responses;
  std::vector<CommandReply> command_replies;  // complete pending/sent commands
  std::vector<LogEntry> logs;

  bool empty() const {
    return sightings.empty() && readings.empty() && presence.empty() && ota_responses.empty() &&
           command_replies.empty() && logs.empty();
  }
  void append(IngestBatch&& other);
};

}  // namespace blazeiot
