#pragma once
// Remembers how many readings a source's queries matched, for a short time. Counting a busy
// device's readings walks its whole index range (about a millisecond per 10,000 readings) while
// the page itself costs a fraction of that, and dashboards ask for the same page over and over.
// An entry is dropped when a reading of its source is stored or removed, and expires after
// `ttl_ms` regardless, so a total is never older than that. Thread-safe; bounded.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"
#include "storage/reading_store.hpp"

namespace blazeiot {

class ReadingCountCache {
 public:
  explicit ReadingCountCache(const Clock& clock, EpochMs ttl_ms = 2000,
                             std::size_t capacity = 4096);

  // Only queries for one source are cached (they are the ones with a total).
  std::optional<std::int64_t> get(const ReadingQuery& query);
  void put(const ReadingQuery& query, std::int64_t count);
  void invalidate(std::string_view source_id);
  void clear();

 private:
  struct Entry {
    std::int64_t count = 0;
    EpochMs stored_at = 0;
  };
  static std::string key_of(const ReadingQuery& query);

  const Clock& clock_;
  const EpochMs ttl_ms_;
  const std::size_t capacity_;
  std::mutex mutex_;
  std::size_t size_ = 0;
  // source_id -> (rest of the query -> count)
  std::unordered_map<std::string, std::unordered_map<std::string, Entry>> entries_;
};

}  // namespace blazeiot
