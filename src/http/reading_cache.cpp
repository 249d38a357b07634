#include "http/reading_cache.hpp"

namespace blazeiot {

ReadingCache::ReadingCache(const Clock& clock, EpochMs ttl_ms, std::size_t max_entries,
                           std::size_t max_page_bytes)
    : clock_(clock), ttl_ms_(ttl_ms), max_entries_(max_entries), max_page_bytes_(max_page_bytes) {}

std::string ReadingCache::key_of(const ReadingQuery& q, bool window) {
  auto opt = [](const auto& v) {
    if (!v) return std::string("-");
    if constexpr (std::is_same_v<std::decay_t<decltype(*v)>, std::string>) {
      return "s" + *v;
    } else {
      return "n" + std::to_string(*v);
    }
  };
  std::string key = window ? "p" : "t";
  key += q.source_type ? to_string(*q.source_type) : "-";
  for (const std::string& part : {opt(q.gateway_id), opt(q.type), opt(q.from), opt(q.to)}) {
    key += '\x1f';
    key += part;
  }
  if (window) key += '\x1f' + std::to_string(q.limit) + '\x1f' + std::to_string(q.offset);
  return key;
}

ReadingCache::Ticket ReadingCache::ticket(const ReadingQuery& query) {
  if (!query.source_id) return {};
  std::lock_guard lock(mutex_);
  if (sources_.size() >= max_entries_ && !sources_.count(*query.source_id)) reset_locked();
  // The source is registered now, so an invalidation from here on is counted against it.
  return Ticket{epoch_, sources_[*query.source_id].generation};
}

const ReadingCache::Entry* ReadingCache::fresh_locked(const ReadingQuery& query,
                                                      const std::string& key) const {
  if (!query.source_id) return nullptr;
  auto source = sources_.find(*query.source_id);
  if (source == sources_.end()) return nullptr;
  auto it = source->second.entries.find(key);
  if (it == source->second.entries.end()) return nullptr;
  if (clock_.now_ms() - it->second.stored_at >= ttl_ms_) return nullptr;
  return &it->second;
}

std::optional<ReadingCache::Page> ReadingCache::page(const ReadingQuery& query) {
  if (!query.source_id) return std::nullopt;
  const std::string key = key_of(query, true);
  std::lock_guard lock(mutex_);
  const Entry* e = fresh_locked(query, key);
  if (!e) return std::nullopt;
  return Page{e->items, e->count, e->total};
}

std::optional<std::int64_t> ReadingCache::total(const ReadingQuery& query) {
  if (!query.source_id) return std::nullopt;
  const std::string key = key_of(query, false);
  std::lock_guard lock(mutex_);
  const Entry* e = fresh_locked(query, key);
  if (!e) return std::nullopt;
  return e->total;
}

void ReadingCache::put_page(const ReadingQuery& query, const Ticket& ticket, Page page) {
  if (!query.source_id || !page.items || page.items->size() > max_page_bytes_ / 64) return;
  std::string key = key_of(query, true);
  std::lock_guard lock(mutex_);
  put_locked(query, ticket, std::move(key),
             Entry{std::move(page.items), page.count, page.total, clock_.now_ms()});
}

void ReadingCache::put_total(const ReadingQuery& query, const Ticket& ticket,
                             std::int64_t total) {
  if (!query.source_id) return;
  std::string key = key_of(query, false);
  std::lock_guard lock(mutex_);
  put_locked(query, ticket, std::move(key), Entry{nullptr, 0, total, clock_.now_ms()});
}

void ReadingCache::put_locked(const ReadingQuery& query, const Ticket& ticket, std::string key,
                              Entry entry) {
  auto source = sources_.find(*query.source_id);
  // Answered from data that an invalidation since the ticket may have changed: not stored.
  if (ticket.epoch != epoch_ || source == sources_.end() ||
      source->second.generation != ticket.generation)
    return;
  const std::size_t bytes = entry.items ? entry.items->size() : 0;
  if (entries_ >= max_entries_ || page_bytes_ + bytes > max_page_bytes_) {
    reset_locked();  // crude but bounded; the next requests refill what is in use
    return;
  }
  auto [it, inserted] = source->second.entries.try_emplace(std::move(key));
  if (!inserted) page_bytes_ -= it->second.items ? it->second.items->size() : 0;
  else ++entries_;
  it->second = std::move(entry);
  page_bytes_ += bytes;
}

void ReadingCache::forget_locked(Source& source) {
  for (const auto& [key, e] : source.entries) page_bytes_ -= e.items ? e.items->size() : 0;
  entries_ -= source.entries.size();
  source.entries.clear();
  ++source.generation;
}

void ReadingCache::invalidate(std::string_view source_id) {
  std::lock_guard lock(mutex_);
  if (sources_.empty()) return;
  auto it = sources_.find(std::string(source_id));
  if (it != sources_.end()) forget_locked(it->second);
}

void ReadingCache::clear() {
  std::lock_guard lock(mutex_);
  reset_locked();
}

void ReadingCache::reset_locked() {
  sources_.clear();
  entries_ = 0;
  page_bytes_ = 0;
  ++epoch_;  // tickets taken before this no longer match anything
}

}  // namespace blazeiot
