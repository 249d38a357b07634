#pragma once
// Remembers, for a short time, what a source's reading queries answered: the total they matched
// and the rendered page. Dashboards ask for the same page of the same device over and over,
// and counting a busy device's readings walks its whole index range (about a millisecond per
// 10,000 readings) while reading and rendering a page costs a few hundred microseconds.
//
// Correctness: every entry of a source is dropped when a reading of that source is stored or
// removed (on this instance or, through the cluster event stream, another), and expires after
// `ttl_ms` regardless, so nothing served is older than that even if an invalidation was missed.
// A query that ran while an invalidation happened must not store its (possibly older) answer:
// take a Ticket before querying the database and hand it to put(), which drops the answer if the
// source was invalidated in between. Thread-safe; bounded in entries and bytes.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"
#include "storage/reading_store.hpp"

namespace blazeiot {

class ReadingCache {
 public:
  struct Page {
    std::shared_ptr<const std::string> items;  // the JSON array text
    std::size_t count = 0;
    std::int64_t total = 0;
  };
  struct Ticket {
    std::uint64_t epoch = 0;       // bumped by clear() and capacity resets
    std::uint64_t generation = 0;  // the source's invalidation count
  };

  explicit ReadingCache(const Clock& clock, EpochMs ttl_ms = 2000, std::size_t max_entries = 4096,
                        std::size_t max_page_bytes = 32 << 20);

  // Only queries for one source are cached (they are the ones dashboards repeat).
  Ticket ticket(const ReadingQuery& query);
  std::optional<Page> page(const ReadingQuery& query);
  void put_page(const ReadingQuery& query, const Ticket& ticket, Page page);
  // The total of a query regardless of its limit and offset (shared by all its pages).
  std::optional<std::int64_t> total(const ReadingQuery& query);
  void put_total(const ReadingQuery& query, const Ticket& ticket, std::int64_t total);

  void invalidate(std::string_view source_id);
  void clear();

 private:
  struct Entry {
    std::shared_ptr<const std::string> items;  // null for a total
    std::size_t count = 0;
    std::int64_t total = 0;
    EpochMs stored_at = 0;
  };
  struct Source {
    std::uint64_t generation = 0;
    std::unordered_map<std::string, Entry> entries;  // key_of() -> entry
  };
  // The query's filters, and with `window` its limit and offset too (a page, not a total).
  static std::string key_of(const ReadingQuery& query, bool window);
  const Entry* fresh_locked(const ReadingQuery& query, const std::string& key) const;
  void put_locked(const ReadingQuery& query, const Ticket& ticket, std::string key, Entry entry);
  void forget_locked(Source& source);
  void reset_locked();

  const Clock& clock_;
  const EpochMs ttl_ms_;
  const std::size_t max_entries_;
  const std::size_t max_page_bytes_;
  mutable std::mutex mutex_;
  std::uint64_t epoch_ = 0;
  std::size_t entries_ = 0;
  std::size_t page_bytes_ = 0;
  std::unordered_map<std::string, Source> sources_;
};

}  // namespace blazeiot
