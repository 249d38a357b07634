#include "storage/cached_user_store.hpp"

namespace blazeiot {

std::optional<User> CachedUserStore::find_by_id(std::int64_t id) {
  const auto now = std::chrono::steady_clock::now();
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it != entries_.end() && now - it->second.stored_at < ttl_) return it->second.user;
    generation = generation_;
  }
  std::optional<User> user = inner_.find_by_id(id);
  std::lock_guard lock(mutex_);
  // A write since the lookup began may have changed what it read: keep it out of the cache.
  if (generation != generation_) return user;
  if (entries_.size() >= capacity_) entries_.clear();
  entries_[id] = Entry{user, now};
  return user;
}

void CachedUserStore::forget() {
  std::lock_guard lock(mutex_);
  entries_.clear();
  ++generation_;
}

UserWriteResult CachedUserStore::create(const User& user, std::int64_t& id) {
  return forgetting_around([&] { return inner_.create(user, id); });
}

UserWriteResult CachedUserStore::update(std::int64_t id, const UserChanges& changes, EpochMs now) {
  return forgetting_around([&] { return inner_.update(id, changes, now); });
}

UserWriteResult CachedUserStore::remove(std::int64_t id) {
  return forgetting_around([&] { return inner_.remove(id); });
}

void CachedUserStore::replace_password_hash(std::int64_t id, std::string_view expected,
                                            std::string_view new_hash, EpochMs now) {
  forgetting_around([&] { inner_.replace_password_hash(id, expected, new_hash, now); });
}

void CachedUserStore::record_login(std::int64_t id, EpochMs at) {
  forgetting_around([&] { inner_.record_login(id, at); });
}

}  // namespace blazeiot
