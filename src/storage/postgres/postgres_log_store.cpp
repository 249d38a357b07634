#include "storage/postgres/postgres_log_store.hpp"

#include "storage/postgres/pg_where_clause.hpp"

namespace blazeiot {
namespace {

PgWhereClause log_where(const LogQuery& q) {
  PgWhereClause where;
  where.add_if(q.category, "category = ");
  where.add_if(q.level, "level = ");
  where.add_if(q.from, "timestamp >= ");
  where.add_if(q.to, "timestamp <= ");
  return where;
}

}  // namespace

std::vector<LogEntry> PostgresLogStore::find(const LogQuery& query) {
  PgWhereClause where = log_where(query);
  std::string sql = "SELECT id, category, level, source, message, details, timestamp FROM logs" +
                    where.sql() + " ORDER BY timestamp DESC, id DESC LIMIT ";
  sql += where.placeholder(std::int64_t{query.limit});
  sql += " OFFSET ";
  sql += where.placeholder(query.offset);
  return pool_.run([&](PgConnection& c) {
    PgResult q = c.query(sql, where.params());
    std::vector<LogEntry> out;
    out.reserve(static_cast<std::size_t>(q.rows()));
    for (int i = 0; i < q.rows(); ++i) {
      LogEntry e;
      e.id = q.int64(i, 0);
      e.category = q.string(i, 1);
      e.level = q.string(i, 2);
      e.source = q.string(i, 3);
      e.message = q.string(i, 4);
      e.details_json = q.string(i, 5);
      e.timestamp = q.int64(i, 6);
      out.push_back(std::move(e));
    }
    return out;
  });
}

std::int64_t PostgresLogStore::count(const LogQuery& query) {
  PgWhereClause where = log_where(query);
  return pool_.run([&](PgConnection& c) {
    return c.query("SELECT COUNT(*) FROM logs" + where.sql(), where.params()).int64(0, 0);
  });
}

std::int64_t PostgresLogStore::delete_older_than(EpochMs before, int max_rows) {
  return pool_.run([&](PgConnection& c) {
    return c
        .query("DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE timestamp < $1"
               " ORDER BY timestamp LIMIT $2)",
               PgParams().add(before).add(std::int64_t{max_rows}))
        .affected();
  });
}

}  // namespace blazeiot
