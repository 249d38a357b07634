#include "http/reading_count_cache.hpp"

namespace blazeiot {

ReadingCountCache::ReadingCountCache(const Clock& clock, EpochMs ttl_ms, std::size_t capacity)
    : clock_(clock), ttl_ms_(ttl_ms), capacity_(capacity) {}

std::string ReadingCountCache::key_of(const ReadingQuery& q) {
  auto opt = [](const auto& v) {
    if (!v) return std::string("-");
    if constexpr (std::is_same_v<std::decay_t<decltype(*v)>, std::string>) {
      return "s" + *v;
    } else {
      return "n" + std::to_string(*v);
    }
  };
  std::string key = q.source_type ? to_string(*q.source_type) : "-";
  for (const std::string& part : {opt(q.gateway_id), opt(q.type), opt(q.from), opt(q.to)}) {
    key += '\x1f';
    key += part;
  }
  return key;
}

std::optional<std::int64_t> ReadingCountCache::get(const ReadingQuery& query) {
  if (!query.source_id) return std::nullopt;
  const EpochMs now = clock_.now_ms();
  std::lock_guard lock(mutex_);
  auto source = entries_.find(*query.source_id);
  if (source == entries_.end()) return std::nullopt;
  auto it = source->second.find(key_of(query));
  if (it == source->second.end() || now - it->second.stored_at >= ttl_ms_) return std::nullopt;
  return it->second.count;
}

void ReadingCountCache::put(const ReadingQuery& query, std::int64_t count) {
  if (!query.source_id) return;
  const EpochMs now = clock_.now_ms();
  std::lock_guard lock(mutex_);
  if (size_ >= capacity_) {
    entries_.clear();  // crude but bounded; the next requests refill what is in use
    size_ = 0;
  }
  auto [it, inserted] =
      entries_[*query.source_id].insert_or_assign(key_of(query), Entry{count, now});
  if (inserted) ++size_;
}

void ReadingCountCache::invalidate(std::string_view source_id) {
  std::lock_guard lock(mutex_);
  if (entries_.empty()) return;
  auto it = entries_.find(std::string(source_id));
  if (it == entries_.end()) return;
  size_ -= it->second.size();
  entries_.erase(it);
}

void ReadingCountCache::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
  size_ = 0;
}

}  // namespace blazeiot
