#pragma once
// Queries over the system log table, newest first.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/entities.hpp"

namespace blazeiot {

struct LogQuery {
  std::optional<std::string> category;
  std::optional<std::string> level;
  std::optional<EpochMs> from;  // inclusive
  std::optional<EpochMs> to;    // inclusive
  int limit = 100;
  std::int64_t offset = 0;
};

class LogStore {
 public:
  virtual ~LogStore() = default;

  virtual std::vector<LogEntry> find(const LogQuery& query) = 0;
  virtual std::int64_t count(const LogQuery& query) = 0;
  // Retention, as ReadingStore::delete_older_than.
  virtual std::int64_t delete_older_than(EpochMs before, int max_rows) = 0;
};

}  // namespace blazeiot
