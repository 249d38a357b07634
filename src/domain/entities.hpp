#pragma once
// The platform's records, as the domain sees them. No transport or database types here.
#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.hpp"

namespace blazeiot {

enum class Presence { online, offline };
inline const char* to_string(Presence p) { return p == Presence::online ? "online" : "offline"; }

// What a reading or a presence change belongs to.
enum class EntityKind { device, gateway, node };
inline const char* to_string(EntityKind k) {
  switch (k) {
    case EntityKind::device: return "device";
    case EntityKind::gateway: return "gateway";
    case EntityKind::node: return "node";
  }
  return "device";
}

struct Device {
  std::string device_id;
  std::string name;
  std::string type;
  std::string firmware_version;
  Presence status = Presence::offline;
  std::optional<EpochMs> last_seen;
  std::string metadata_json = "{}";
  EpochMs created_at = 0;
  EpochMs updated_at = 0;
};

struct Gateway {
  std::string gateway_id;
  std::string name;
  std::string type;  // "ble" or "lora" when auto-registered
  Presence status = Presence::offline;
  std::optional<EpochMs> last_seen;
  std::string metadata_json = "{}";
  EpochMs created_at = 0;
  EpochMs updated_at = 0;
  std::int64_t node_count = 0;  // filled by queries that ask for it
};

// A node is a sensor behind a gateway; (mac, gateway_id) identifies it.
struct Node {
  std::string mac;
  std::string gateway_id;
  std::string name;
  std::string type;  // "ble" or "lora"
  Presence status = Presence::offline;
  std::optional<EpochMs> last_seen;
  std::string metadata_json = "{}";
  EpochMs created_at = 0;
  EpochMs updated_at = 0;
};

enum class SourceType { device, node };
inline const char* to_string(SourceType s) { return s == SourceType::device ? "device" : "node"; }

struct Reading {
  std::int64_t id = 0;
  SourceType source_type = SourceType::device;
  std::string source_id;   // device_id, or the node's mac
  std::string gateway_id;  // nodes only
  std::string type;        // optional reading type ("Temperature")
  std::optional<double> value;
  std::string data_json;   // every field the device sent, verbatim
  EpochMs received_at = 0;
  std::optional<EpochMs> device_time;  // the device's own timestamp, when it sent one
};

struct LogEntry {
  std::int64_t id = 0;
  std::string category;  // mqtt, device, gateway, node, ota, auth, system, ...
  std::string level;     // debug, info, warn, error
  std::string source;
  std::string message;
  std::string details_json = "{}";
  EpochMs timestamp = 0;
};

struct OtaResponse {
  std::string device_id;
  std::string status;
  std::string firmware_version;
  std::string error;
  std::optional<int> progress;
  EpochMs received_at = 0;
};

}  // namespace blazeiot
