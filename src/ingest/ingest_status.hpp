#pragma once
// What the ingest side reports to /api/status and the start-up banner.
#include <cstdint>
#include <optional>
#include <string>

namespace blazeiot {

struct IngestSnapshot {
  bool broker_connected = false;
  bool embedded_broker = false;
  std::string broker_url;
  std::uint64_t messages_received = 0;
  std::uint64_t messages_rejected = 0;
  std::uint64_t readings_stored = 0;
  double messages_per_second = 0;  // over the last few seconds
  std::uint64_t backlog = 0;       // received, not yet committed
  bool paused_for_disk = false;    // too little disk space: not reading from the broker
  std::optional<std::uint64_t> disk_free_bytes;  // where the database is, when checked
};

class IngestStatusSource {
 public:
  virtual ~IngestStatusSource() = default;
  virtual IngestSnapshot ingest_snapshot() const = 0;
};

}  // namespace blazeiot
