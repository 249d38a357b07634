#pragma once
// Small builders for the records an IngestBatch carries, so store tests read as scenarios.
#include <string>

#include "domain/ingest_batch.hpp"

namespace blazeiot::test {

inline EntitySighting sighting(EntityKind kind, std::string id, EpochMs at,
                               std::string gateway_id = "", std::string name = "",
                               std::string type = "") {
  EntitySighting s;
  s.kind = kind;
  s.id = std::move(id);
  s.gateway_id = std::move(gateway_id);
  s.name = name.empty() ? s.id : std::move(name);
  s.type = std::move(type);
  s.seen_at = at;
  return s;
}

inline Reading device_reading(std::string device_id, EpochMs at, std::optional<double> value,
                              std::string data_json = "{}", std::string type = "") {
  Reading r;
  r.source_type = SourceType::device;
  r.source_id = std::move(device_id);
  r.type = std::move(type);
  r.value = value;
  r.data_json = std::move(data_json);
  r.received_at = at;
  return r;
}

inline Reading node_reading(std::string mac, std::string gateway_id, EpochMs at,
                            std::string data_json = "{}") {
  Reading r;
  r.source_type = SourceType::node;
  r.source_id = std::move(mac);
  r.gateway_id = std::move(gateway_id);
  r.data_json = std::move(data_json);
  r.received_at = at;
  return r;
}

inline LogEntry log_entry(std::string category, std::string message, EpochMs at,
                          std::string level = "info") {
  LogEntry l;
  l.category = std::move(category);
  l.level = std::move(level);
  l.source = "test";
  l.message = std::move(message);
  l.timestamp = at;
  return l;
}

inline OtaResponse ota_response(std::string device_id, std::string status, EpochMs at,
                                std::string firmware_version = "",
                                std::optional<int> progress = std::nullopt) {
  OtaResponse o;
  o.device_id = std::move(device_id);
  o.status = std::move(status);
  o.firmware_version = std::move(firmware_version);
  o.progress = progress;
  o.received_at = at;
  return o;
}

}  // namespace blazeiot::test
