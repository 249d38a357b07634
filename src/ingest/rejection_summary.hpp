#pragma once
// Counts rejected messages per source (the topic's first two levels) and turns them into at
// most one log entry per source per interval, so a misbehaving device cannot flood the logs.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities.hpp"
#include "ingest/message_parser.hpp"

namespace blazeiot {

class RejectionSummary {
 public:
  // Sources tracked at once; beyond this, counts go to one "(other sources)" bucket.
  static constexpr std::size_t kMaxSources = 1000;

  void record(std::string_view topic, RejectReason reason, std::string_view detail);
  // Entries for every source with rejections since the last flush; resets the counts.
  std::vector<LogEntry> flush(EpochMs now, int interval_s);

 private:
  struct Counts {
    std::uint64_t total = 0;
    std::map<std::string, std::uint64_t> by_reason;
    std::string last_detail;
  };
  std::map<std::string, Counts, std::less<>> sources_;
};

}  // namespace blazeiot
