#include "storage/postgres/postgres_reading_store.hpp"

#include "storage/postgres/pg_where_clause.hpp"

namespace blazeiot {
namespace {

// The conditions line up with the sensor_data indexes, and a time range lets the planner
// skip whole monthly partitions.
PgWhereClause reading_where(const ReadingQuery& q) {
  PgWhereClause where;
  if (q.source_type) where.add("source_type = ", to_string(*q.source_type));
  where.add_if(q.source_id, "source_id = ");
  where.add_if(q.gateway_id, "gateway_id = ");
  where.add_if(q.type, "type = ");
  where.add_if(q.from, "timestamp >= ");
  where.add_if(q.to, "timestamp <= ");
  return where;
}

}  // namespace

std::vector<Reading> PostgresReadingStore::find(const ReadingQuery& query) {
  PgWhereClause where = reading_where(query);
  std::string sql =
      "SELECT id, source_type, source_id, gateway_id, type, value, data, timestamp,"
      " device_timestamp FROM sensor_data" +
      where.sql() + " ORDER BY timestamp DESC, id DESC LIMIT ";
  sql += where.placeholder(std::int64_t{query.limit});
  sql += " OFFSET ";
  sql += where.placeholder(query.offset);
  return pool_.run([&](PgConnection& c) {
    PgResult q = c.query(sql, where.params());
    std::vector<Reading> out;
    out.reserve(static_cast<std::size_t>(q.rows()));
    for (int i = 0; i < q.rows(); ++i) {
      Reading r;
      r.id = q.int64(i, 0);
      r.source_type = q.text(i, 1) == "node" ? SourceType::node : SourceType::device;
      r.source_id = q.string(i, 2);
      r.gateway_id = q.string(i, 3);
      r.type = q.string(i, 4);
      r.value = q.opt_float8(i, 5);
      r.data_json = q.string(i, 6);
      r.received_at = q.int64(i, 7);
      r.device_time = q.opt_int64(i, 8);
      out.push_back(std::move(r));
    }
    return out;
  });
}

std::int64_t PostgresReadingStore::count(const ReadingQuery& query) {
  PgWhereClause where = reading_where(query);
  return pool_.run([&](PgConnection& c) {
    return c.query("SELECT COUNT(*) FROM sensor_data" + where.sql(), where.params()).int64(0, 0);
  });
}

// A month goes as a DROP of its partition: instant and without bloat. The DROP needs an
// exclusive lock on sensor_data for that moment; queued behind a long query it would make
// every insert and read queue behind itself, so it gives up after 2 s (SQLSTATE 55P03, which
// the caller reports) and is tried again next round.
int PostgresReadingStore::drop_periods_before(EpochMs before) {
  return pool_.run([&](PgConnection& c) {
    PgTransaction tx(c);
    c.exec("SET LOCAL lock_timeout = '2s'");
    auto dropped = c.query("SELECT sensor_data_drop_partitions_before($1)",
                           PgParams().add(before)).int64(0, 0);
    tx.commit();
    return static_cast<int>(dropped);
  });
}

// What is left of the month `before` falls in goes row by row, oldest first. The bound on
// timestamp outside the subquery lets the planner leave out the newer partitions.
std::int64_t PostgresReadingStore::delete_older_than(EpochMs before, int max_rows) {
  return pool_.run([&](PgConnection& c) {
    return c
        .query("DELETE FROM sensor_data WHERE timestamp < $1 AND (id, timestamp) IN"
               " (SELECT id, timestamp FROM sensor_data WHERE timestamp < $1"
               " ORDER BY timestamp LIMIT $2)",
               PgParams().add(before).add(std::int64_t{max_rows}))
        .affected();
  });
}

}  // namespace blazeiot
