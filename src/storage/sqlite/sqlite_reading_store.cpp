#include "storage/sqlite/sqlite_reading_store.hpp"

#include <algorithm>

#include "storage/sqlite/sqlite_delete_oldest.hpp"
#include "storage/sqlite/sqlite_where_clause.hpp"

namespace blazeiot {
namespace {

// The conditions line up with the sensor_data indexes: (source_type, source_id, timestamp),
// (gateway_id, timestamp) and (timestamp).
SqliteWhereClause reading_where(const ReadingQuery& q) {
  SqliteWhereClause where;
  if (q.source_type) where.add("source_type = ?", std::string(to_string(*q.source_type)));
  where.add_if(q.source_id, "source_id = ?");
  where.add_if(q.gateway_id, "gateway_id = ?");
  where.add_if(q.type, "type = ?");
  where.add_if(q.from, "timestamp >= ?");
  where.add_if(q.to, "timestamp <= ?");
  return where;
}

}  // namespace

std::vector<Reading> SqliteReadingStore::find(const ReadingQuery& query) {
  SqliteWhereClause where = reading_where(query);
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(
        "SELECT id, source_type, source_id, gateway_id, type, value, data, timestamp,"
        " device_timestamp FROM sensor_data" +
        where.sql() + " ORDER BY timestamp DESC, id DESC LIMIT ? OFFSET ?");
    int next = where.bind(q);
    q.bind(next, std::int64_t{query.limit}).bind(next + 1, query.offset);
    std::vector<Reading> out;
    out.reserve(static_cast<std::size_t>(std::max(0, std::min(query.limit, 1000))));
    while (q.step()) {
      Reading r;
      r.id = q.column_int(0);
      r.source_type = q.column_text(1) == "node" ? SourceType::node : SourceType::device;
      r.source_id = q.column_text(2);
      r.gateway_id = q.column_text(3);
      r.type = q.column_text(4);
      r.value = q.column_opt_double(5);
      r.data_json = q.column_text(6);
      r.received_at = q.column_int(7);
      r.device_time = q.column_opt_int(8);
      out.push_back(std::move(r));
    }
    return out;
  });
}

std::int64_t SqliteReadingStore::count(const ReadingQuery& query) {
  SqliteWhereClause where = reading_where(query);
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare("SELECT COUNT(*) FROM sensor_data" + where.sql());
    where.bind(q);
    return q.step() ? q.column_int(0) : 0;
  });
}

// One table: there are no periods to drop, every row is deleted on its own.
int SqliteReadingStore::drop_periods_before(EpochMs) { return 0; }

std::int64_t SqliteReadingStore::delete_older_than(EpochMs before, int max_rows) {
  return sqlite_delete_oldest(db_, "sensor_data", before, max_rows);
}

}  // namespace blazeiot
