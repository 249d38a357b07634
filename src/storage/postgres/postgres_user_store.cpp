#include "storage/postgres/postgres_user_store.hpp"

namespace blazeiot {
namespace {

constexpr const char* kSelectUser =
    "SELECT id, username, email, password_hash, role, created_at, updated_at, last_login,"
    " tokens_valid_after FROM users";

User read_user(const PgResult& q, int row) {
  User u;
  u.id = q.int64(row, 0);
  u.username = q.string(row, 1);
  u.email = q.string(row, 2);
  u.password_hash = q.string(row, 3);
  u.role = q.string(row, 4);
  u.created_at = q.int64(row, 5);
  u.updated_at = q.int64(row, 6);
  u.last_login = q.opt_int64(row, 7);
  u.tokens_valid_after = q.int64(row, 8);
  return u;
}

std::optional<User> first_user(const PgResult& q) {
  if (q.rows() == 0) return std::nullopt;
  return read_user(q, 0);
}

// Changes that could take away the last admin run one at a time (READ COMMITTED alone would
// let two of them each see the other admin and both go ahead); the lock ends with the
// transaction.
void lock_admin_changes(PgConnection& c) {
  c.exec("SELECT pg_advisory_xact_lock(hashtext('blazeiot.users.admins'))");
}

std::optional<std::string> role_of(PgConnection& c, std::int64_t id) {
  PgResult q = c.query("SELECT role FROM users WHERE id = $1", PgParams().add(id));
  if (q.rows() == 0) return std::nullopt;
  return q.string(0, 0);
}

std::int64_t admin_count(PgConnection& c) {
  return c.query("SELECT COUNT(*) FROM users WHERE role = 'admin'").int64(0, 0);
}

}  // namespace

std::int64_t PostgresUserStore::count() {
  return pool_.run(
      [](PgConnection& c) { return c.query("SELECT COUNT(*) FROM users").int64(0, 0); });
}

std::vector<User> PostgresUserStore::list() {
  return pool_.run([](PgConnection& c) {
    PgResult q = c.query(std::string(kSelectUser) + " ORDER BY id");
    std::vector<User> out;
    out.reserve(static_cast<std::size_t>(q.rows()));
    for (int i = 0; i < q.rows(); ++i) out.push_back(read_user(q, i));
    return out;
  });
}

std::optional<User> PostgresUserStore::find_by_id(std::int64_t id) {
  return pool_.run([&](PgConnection& c) {
    return first_user(c.query(std::string(kSelectUser) + " WHERE id = $1", PgParams().add(id)));
  });
}

std::optional<User> PostgresUserStore::find_by_username(std::string_view username) {
  return pool_.run([&](PgConnection& c) {
    return first_user(
        c.query(std::string(kSelectUser) + " WHERE username = $1", PgParams().add(username)));
  });
}

UserWriteResult PostgresUserStore::create(const User& u, std::int64_t& id) {
  return pool_.run([&](PgConnection& c) {
    PgResult q = c.query(
        "INSERT INTO users(username, email, password_hash, role, created_at, updated_at)"
        " VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (username) DO NOTHING RETURNING id",
        PgParams()
            .add(u.username)
            .add(u.email)
            .add(u.password_hash)
            .add(u.role)
            .add(u.created_at)
            .add(u.updated_at));
    if (q.rows() == 0) return UserWriteResult::username_taken;
    id = q.int64(0, 0);
    return UserWriteResult::ok;
  });
}

UserWriteResult PostgresUserStore::update(std::int64_t id, const UserChanges& ch, EpochMs now) {
  return pool_.run([&](PgConnection& c) {
    PgTransaction tx(c);
    lock_admin_changes(c);
    auto role = role_of(c, id);
    if (!role) return UserWriteResult::not_found;
    if (*role == "admin" && ch.role && *ch.role != "admin" && admin_count(c) <= 1)
      return UserWriteResult::last_admin;
    c.query(
        "UPDATE users SET email = COALESCE($2, email), role = COALESCE($3, role),"
        " password_hash = COALESCE($4, password_hash), updated_at = $5,"
        " tokens_valid_after = CASE WHEN $4::text IS NULL THEN tokens_valid_after ELSE $6 END"
        " WHERE id = $1",
        PgParams().add(id).add(ch.email).add(ch.role).add(ch.password_hash).add(now).add(now));
    tx.commit();
    return UserWriteResult::ok;
  });
}

UserWriteResult PostgresUserStore::remove(std::int64_t id) {
  return pool_.run([&](PgConnection& c) {
    PgTransaction tx(c);
    lock_admin_changes(c);
    auto role = role_of(c, id);
    if (!role) return UserWriteResult::not_found;
    if (*role == "admin" && admin_count(c) <= 1) return UserWriteResult::last_admin;
    c.query("DELETE FROM users WHERE id = $1", PgParams().add(id));
    tx.commit();
    return UserWriteResult::ok;
  });
}

void PostgresUserStore::replace_password_hash(std::int64_t id, std::string_view expected,
                                              std::string_view new_hash, EpochMs now) {
  pool_.run([&](PgConnection& c) {
    c.query(
        "UPDATE users SET password_hash = $3, updated_at = $4"
        " WHERE id = $1 AND password_hash = $2",
        PgParams().add(id).add(expected).add(new_hash).add(now));
  });
}

void PostgresUserStore::record_login(std::int64_t id, EpochMs at) {
  pool_.run([&](PgConnection& c) {
    c.query("UPDATE users SET last_login = $2 WHERE id = $1", PgParams().add(id).add(at));
  });
}

}  // namespace blazeiot
