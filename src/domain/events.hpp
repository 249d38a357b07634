#pragma once
// Events the platform raises after the data behind them is committed. The WebSocket hub
// (and anything else that wants a live view) subscribes to the EventBus.
#include <string>
#include <variant>

#include "domain/entities.hpp"

namespace blazeiot {

struct EntityRegistered {
  EntityKind kind = EntityKind::device;
  std::string id;
  std::string gateway_id;  // nodes only
  EpochMs at = 0;
};

struct PresenceChanged {
  EntityKind kind = EntityKind::device;
  std::string id;
  std::string gateway_id;  // nodes only
  Presence status = Presence::offline;
  EpochMs at = 0;
};

struct ReadingStored {
  Reading reading;
};

struct OtaStatusChanged {
  OtaResponse response;
};

struct LogWritten {
  LogEntry entry;
};

using PlatformEvent =
    std::variant<EntityRegistered, PresenceChanged, ReadingStored, OtaStatusChanged, LogWritten>;

}  // namespace blazeiot
