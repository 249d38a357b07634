#pragma once
#include "storage/sqlite/sqlite_database.hpp"
#include "storage/user_store.hpp"

namespace blazeiot {

class SqliteUserStore final : public UserStore {
 public:
  explicit SqliteUserStore(SqliteDatabase& db) : db_(db) {}

  std::int64_t count() override;
  std::vector<User> list() override;
  std::optional<User> find_by_id(std::int64_t id) override;
  std::optional<User> find_by_username(std::string_view username) override;
  UserWriteResult create(const User& user, std::int64_t& id) override;
  UserWriteResult update(std::int64_t id, const UserChanges& changes, EpochMs now) override;
  UserWriteResult remove(std::int64_t id) override;
  void replace_password_hash(std::int64_t id, std::string_view expected, std::string_view new_hash,
                             EpochMs now) override;
  void record_login(std::int64_t id, EpochMs at) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace blazeiot
