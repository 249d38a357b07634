#include "storage/sqlite/sqlite_log_store.hpp"

#include "storage/sqlite/sqlite_delete_oldest.hpp"
#include "storage/sqlite/sqlite_where_clause.hpp"

namespace blazeiot {
namespace {

SqliteWhereClause log_where(const LogQuery& q) {
  SqliteWhereClause where;
  where.add_if(q.category, "category = ?");
  where.add_if(q.level, "level = ?");
  where.add_if(q.from, "timestamp >= ?");
  where.add_if(q.to, "timestamp <= ?");
  return where;
}

}  // namespace

std::vector<LogEntry> SqliteLogStore::find(const LogQuery& query) {
  SqliteWhereClause where = log_where(query);
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare("SELECT id, category, level, source, message, details, timestamp FROM logs" +
                       where.sql() + " ORDER BY timestamp DESC, id DESC LIMIT ? OFFSET ?");
    int next = where.bind(q);
    q.bind(next, std::int64_t{query.limit}).bind(next + 1, query.offset);
    std::vector<LogEntry> out;
    while (q.step()) {
      LogEntry e;
      e.id = q.column_int(0);
      e.category = q.column_text(1);
      e.level = q.column_text(2);
      e.source = q.column_text(3);
      e.message = q.column_text(4);
      e.details_json = q.column_text(5);
      e.timestamp = q.column_int(6);
      out.push_back(std::move(e));
    }
    return out;
  });
}

std::int64_t SqliteLogStore::count(const LogQuery& query) {
  SqliteWhereClause where = log_where(query);
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare("SELECT COUNT(*) FROM logs" + where.sql());
    where.bind(q);
    return q.step() ? q.column_int(0) : 0;
  });
}

std::int64_t SqliteLogStore::delete_older_than(EpochMs before, int max_rows) {
  return sqlite_delete_oldest(db_, "logs", before, max_rows);
}

}  // namespace blazeiot
