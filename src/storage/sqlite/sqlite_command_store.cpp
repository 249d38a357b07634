#include "storage/sqlite/sqlite_command_store.hpp"

#include "storage/ota_records.hpp"
#include "storage/sqlite/sqlite_row.hpp"
#include "storage/sqlite/sqlite_where_clause.hpp"

namespace blazeiot {
namespace {

using ota_records::read_command;

std::string returning_commands() {
  return std::string(" RETURNING ") + ota_records::kCommandColumns;
}

SqliteWhereClause command_where(const CommandQuery& q) {
  SqliteWhereClause where;
  where.add_if(q.device_id, "device_id = ?");
  where.add_if(q.status, "status = ?");
  return where;
}

}  // namespace

Command SqliteCommandStore::create(const Command& command) {
  return db_.write([&](SqliteConnection& c) {
    auto q = c.prepare(
        "INSERT INTO commands(command_id, device_id, command, params, status, result,"
        " created_by, created_at, updated_at, expires_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, NULLIF(?6, ''), ?7, ?8, ?8, ?9)" +
        returning_commands());
    q.bind(1, command.command_id)
        .bind(2, command.device_id)
        .bind(3, command.command)
        .bind(4, command.params_json)
        .bind(5, command.status)
        .bind(6, command.result_json)
        .bind(7, command.created_by)
        .bind(8, command.created_at)
        .bind(9, command.expires_at);
    return read_rows(q, read_command<SqliteRow>).at(0);
  });
}

std::optional<Command> SqliteCommandStore::find(std::string_view command_id) {
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(std::string("SELECT ") + ota_records::kCommandColumns +
                       " FROM commands WHERE command_id = ?");
    q.bind(1, command_id);
    return read_first(q, read_command<SqliteRow>);
  });
}

std::vector<Command> SqliteCommandStore::list(const CommandQuery& query) {
  SqliteWhereClause where = command_where(query);
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(std::string("SELECT ") + ota_records::kCommandColumns + " FROM commands" +
                       where.sql() + " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?");
    int next = where.bind(q);
    q.bind(next, query.limit).bind(next + 1, query.offset);
    return read_rows(q, read_command<SqliteRow>);
  });
}

std::int64_t SqliteCommandStore::count(const CommandQuery& query) {
  SqliteWhereClause where = command_where(query);
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare("SELECT COUNT(*) FROM commands" + where.sql());
    where.bind(q);
    return q.step() ? q.column_int(0) : 0;
  });
}

std::optional<Command> SqliteCommandStore::mark_sent(std::string_view command_id, EpochMs now) {
  return db_.write([&](SqliteConnection& c) {
    auto q = c.prepare(
        "UPDATE commands SET status = 'sent', updated_at = ?2"
        " WHERE command_id = ?1 AND status = 'pending'" +
        returning_commands());
    q.bind(1, command_id).bind(2, now);
    return read_first(q, read_command<SqliteRow>);
  });
}

std::vector<Command> SqliteCommandStore::expire(EpochMs now) {
  return db_.write([&](SqliteConnection& c) {
    auto q = c.prepare(
        "UPDATE commands SET status = 'expired', updated_at = ?1"
        " WHERE status IN ('pending', 'sent') AND expires_at < ?1" +
        returning_commands());
    q.bind(1, now);
    return read_rows(q, read_command<SqliteRow>);
  });
}

}  // namespace blazeiot
