#include "storage/sqlite/sqlite_user_store.hpp"

namespace blazeiot {
namespace {

constexpr const char* kSelectUser =
    "SELECT id, username, email, password_hash, role, created_at, updated_at, last_login,"
    " tokens_valid_after FROM users";

User read_user(const SqliteStatement& q) {
  User u;
  u.id = q.column_int(0);
  u.username = q.column_text(1);
  u.email = q.column_text(2);
  u.password_hash = q.column_text(3);
  u.role = q.column_text(4);
  u.created_at = q.column_int(5);
  u.updated_at = q.column_int(6);
  u.last_login = q.column_opt_int(7);
  u.tokens_valid_after = q.column_int(8);
  return u;
}

std::optional<std::string> role_of(SqliteConnection& c, std::int64_t id) {
  auto q = c.prepare("SELECT role FROM users WHERE id = ?");
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  return q.column_text(0);
}

std::int64_t admin_count(SqliteConnection& c) {
  auto q = c.prepare("SELECT COUNT(*) FROM users WHERE role = 'admin'");
  return q.step() ? q.column_int(0) : 0;
}

}  // namespace

std::int64_t SqliteUserStore::count() {
  return db_.read([](SqliteConnection& c) {
    auto q = c.prepare("SELECT COUNT(*) FROM users");
    return q.step() ? q.column_int(0) : 0;
  });
}

std::vector<User> SqliteUserStore::list() {
  return db_.read([](SqliteConnection& c) {
    auto q = c.prepare(std::string(kSelectUser) + " ORDER BY id");
    std::vector<User> out;
    while (q.step()) out.push_back(read_user(q));
    return out;
  });
}

std::optional<User> SqliteUserStore::find_by_id(std::int64_t id) {
  return db_.read([&](SqliteConnection& c) -> std::optional<User> {
    auto q = c.prepare(std::string(kSelectUser) + " WHERE id = ?");
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    return read_user(q);
  });
}

std::optional<User> SqliteUserStore::find_by_username(std::string_view username) {
  return db_.read([&](SqliteConnection& c) -> std::optional<User> {
    auto q = c.prepare(std::string(kSelectUser) + " WHERE username = ?");
    q.bind(1, username);
    if (!q.step()) return std::nullopt;
    return read_user(q);
  });
}

UserWriteResult SqliteUserStore::create(const User& u, std::int64_t& id) {
  return db_.write([&](SqliteConnection& c) {
    c.prepare(
         "INSERT INTO users(username, email, password_hash, role, created_at, updated_at)"
         " VALUES (?,?,?,?,?,?) ON CONFLICT(username) DO NOTHING")
        .bind(1, u.username)
        .bind(2, u.email)
        .bind(3, u.password_hash)
        .bind(4, u.role)
        .bind(5, u.created_at)
        .bind(6, u.updated_at)
        .run();
    if (c.changes() == 0) return UserWriteResult::username_taken;
    id = c.last_insert_rowid();
    return UserWriteResult::ok;
  });
}

UserWriteResult SqliteUserStore::update(std::int64_t id, const UserChanges& ch, EpochMs now) {
  return db_.write([&](SqliteConnection& c) {
    SqliteTransaction tx(c);
    auto role = role_of(c, id);
    if (!role) return UserWriteResult::not_found;
    if (*role == "admin" && ch.role && *ch.role != "admin" && admin_count(c) <= 1)
      return UserWriteResult::last_admin;
    c.prepare(
         "UPDATE users SET email = COALESCE(?2, email), role = COALESCE(?3, role),"
         " password_hash = COALESCE(?4, password_hash), updated_at = ?5,"
         " tokens_valid_after = CASE WHEN ?4 IS NULL THEN tokens_valid_after ELSE ?6 END"
         " WHERE id = ?1")
        .bind(1, id)
        .bind(2, ch.email)
        .bind(3, ch.role)
        .bind(4, ch.password_hash)
        .bind(5, now)
        .bind(6, now)
        .run();
    tx.commit();
    return UserWriteResult::ok;
  });
}

UserWriteResult SqliteUserStore::remove(std::int64_t id) {
  return db_.write([&](SqliteConnection& c) {
    SqliteTransaction tx(c);
    auto role = role_of(c, id);
    if (!role) return UserWriteResult::not_found;
    if (*role == "admin" && admin_count(c) <= 1) return UserWriteResult::last_admin;
    c.prepare("DELETE FROM users WHERE id = ?").bind(1, id).run();
    tx.commit();
    return UserWriteResult::ok;
  });
}

void SqliteUserStore::replace_password_hash(std::int64_t id, std::string_view expected,
                                            std::string_view new_hash, EpochMs now) {
  db_.write([&](SqliteConnection& c) {
    c.prepare(
         "UPDATE users SET password_hash = ?3, updated_at = ?4 WHERE id = ?1 AND password_hash = "
         "?2")
        .bind(1, id)
        .bind(2, expected)
        .bind(3, new_hash)
        .bind(4, now)
        .run();
  });
}

void SqliteUserStore::record_login(std::int64_t id, EpochMs at) {
  db_.write([&](SqliteConnection& c) {
    c.prepare("UPDATE users SET last_login = ? WHERE id = ?").bind(1, at).bind(2, id).run();
  });
}

}  // namespace blazeiot
