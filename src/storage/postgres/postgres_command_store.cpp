#include "storage/postgres/postgres_command_store.hpp"

#include "storage/ota_records.hpp"
#include "storage/postgres/pg_row.hpp"
#include "storage/postgres/pg_where_clause.hpp"

namespace blazeiot {
namespace {

using ota_records::read_command;

std::string returning_commands() {
  return std::string(" RETURNING ") + ota_records::kCommandColumns;
}

PgWhereClause command_where(const CommandQuery& q) {
  PgWhereClause where;
  where.add_if(q.device_id, "device_id = ");
  where.add_if(q.status, "status = ");
  return where;
}

}  // namespace

Command PostgresCommandStore::create(const Command& command) {
  return pool_.run([&](PgConnection& c) {
    return read_rows(c.query("INSERT INTO commands(command_id, device_id, command, params, status,"
                             " result, created_by, created_at, updated_at, expires_at)"
                             " VALUES ($1, $2, $3, $4, $5, NULLIF($6::text, ''), $7, $8, $8, $9)" +
                                 returning_commands(),
                             PgParams()
                                 .add(command.command_id)
                                 .add(command.device_id)
                                 .add(command.command)
                                 .add(command.params_json)
                                 .add(command.status)
                                 .add(command.result_json)
                                 .add(command.created_by)
                                 .add(command.created_at)
                                 .add(command.expires_at)),
                     read_command<PgRow>)
        .at(0);
  });
}

std::optional<Command> PostgresCommandStore::find(std::string_view command_id) {
  return pool_.run([&](PgConnection& c) {
    return read_first(c.query(std::string("SELECT ") + ota_records::kCommandColumns +
                                  " FROM commands WHERE command_id = $1",
                              PgParams().add(command_id)),
                      read_command<PgRow>);
  });
}

std::vector<Command> PostgresCommandStore::list(const CommandQuery& query) {
  PgWhereClause where = command_where(query);
  std::string sql = std::string("SELECT ") + ota_records::kCommandColumns + " FROM commands" +
                    where.sql() + " ORDER BY created_at DESC, id DESC LIMIT ";
  sql += where.placeholder(std::int64_t{query.limit});
  sql += " OFFSET ";
  sql += where.placeholder(query.offset);
  return pool_.run([&](PgConnection& c) {
    return read_rows(c.query(sql, where.params()), read_command<PgRow>);
  });
}

std::int64_t PostgresCommandStore::count(const CommandQuery& query) {
  PgWhereClause where = command_where(query);
  return pool_.run([&](PgConnection& c) {
    return c.query("SELECT COUNT(*) FROM commands" + where.sql(), where.params()).int64(0, 0);
  });
}

std::optional<Command> PostgresCommandStore::mark_sent(std::string_view command_id, EpochMs now) {
  return pool_.run([&](PgConnection& c) {
    return read_first(c.query("UPDATE commands SET status = 'sent', updated_at = $2"
                              " WHERE command_id = $1 AND status = 'pending'" +
                                  returning_commands(),
                              PgParams().add(command_id).add(now)),
                      read_command<PgRow>);
  });
}

std::vector<Command> PostgresCommandStore::expire(EpochMs now) {
  return pool_.run([&](PgConnection& c) {
    return read_rows(c.query("UPDATE commands SET status = 'expired', updated_at = $1"
                             " WHERE status IN ('pending', 'sent') AND expires_at < $1" +
                                 returning_commands(),
                             PgParams().add(now)),
                     read_command<PgRow>);
  });
}

}  // namespace blazeiot
