#pragma once
// Queries over stored readings, newest first.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/entities.hpp"

namespace blazeiot {

struct ReadingQuery {
  std::optional<SourceType> source_type;
  std::optional<std::string> source_id;
  std::optional<std::string> gateway_id;
  std::optional<std::string> type;
  std::optional<EpochMs> from;  // receive time, inclusive
  std::optional<EpochMs> to;    // receive time, inclusive
  int limit = 100;
  std::int64_t offset = 0;
};

class ReadingStore {
 public:
  virtual ~ReadingStore() = default;

  // Ordered by receive time, newest first; limit and offset applied.
  virtual std::vector<Reading> find(const ReadingQuery& query) = 0;
  // How many readings match, ignoring limit and offset.
  virtual std::int64_t count(const ReadingQuery& query) = 0;
  // Retention, first step: where readings are stored in periods (PostgreSQL's monthly
  // partitions), drops the periods that end before `before` at once; returns how many.
  virtual int drop_periods_before(EpochMs before) = 0;
  // Retention, then: deletes up to max_rows of the oldest readings received before `before`,
  // in one short transaction; returns how many went (fewer than max_rows: none are left).
  virtual std::int64_t delete_older_than(EpochMs before, int max_rows) = 0;
};

}  // namespace blazeiot
