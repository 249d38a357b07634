#pragma once
// Every authenticated request looks its user up (role, and whether the token was revoked by a
// password change), and on SQLite that lookup, a read transaction of its own, cost more than
// serving a cached page of readings. This keeps recent lookups by id for a second.
//
// Every write made through this store empties the cache before it returns, so on one instance
// a role change, password change or deletion applies to the very next request. A write made
// elsewhere (another instance on the same PostgreSQL database, `blazeiot seed-admin` on the
// same SQLite file) is seen after at most `ttl`. Thread-safe; bounded.
#include <chrono>
#include <mutex>
#include <unordered_map>

#include "storage/user_store.hpp"

namespace blazeiot {

class CachedUserStore final : public UserStore {
 public:
  explicit CachedUserStore(UserStore& inner,
                           std::chrono::milliseconds ttl = std::chrono::milliseconds(1000),
                           std::size_t capacity = 1024)
      : inner_(inner), ttl_(ttl), capacity_(capacity) {}

  std::int64_t count() override { return inner_.count(); }
  std::vector<User> list() override { return inner_.list(); }
  std::optional<User> find_by_id(std::int64_t id) override;
  std::optional<User> find_by_username(std::string_view username) override {
    return inner_.find_by_username(username);
  }

  UserWriteResult create(const User& user, std::int64_t& id) override;
  UserWriteResult update(std::int64_t id, const UserChanges& changes, EpochMs now) override;
  UserWriteResult remove(std::int64_t id) override;
  void replace_password_hash(std::int64_t id, std::string_view expected, std::string_view new_hash,
                             EpochMs now) override;
  void record_login(std::int64_t id, EpochMs at) override;

 private:
  struct Entry {
    std::optional<User> user;  // a missing user is remembered too
    std::chrono::steady_clock::time_point stored_at;
  };
  // Empties the cache, and makes lookups that started before this not store their answer.
  void forget();
  // Runs a write to the inner store with the cache emptied before it (a lookup racing the
  // write cannot keep the old row past it) and after it (nothing read in between survives).
  template <class Write>
  auto forgetting_around(Write write) {
    forget();
    struct ForgetAfter {
      CachedUserStore& self;
      ~ForgetAfter() { self.forget(); }
    } after{*this};
    return write();
  }

  UserStore& inner_;
  const std::chrono::milliseconds ttl_;
  const std::size_t capacity_;
  std::mutex mutex_;
  std::uint64_t generation_ = 0;
  std::unordered_map<std::int64_t, Entry> entries_;
};

}  // namespace blazeiot
