#pragma once
// Retention's delete for the tables with a `timestamp` index (sensor_data, logs).
#include <cstdint>
#include <string>

#include "storage/sqlite/sqlite_database.hpp"

namespace blazeiot {

// Deletes up to max_rows of the oldest rows of `table` with timestamp < before, through the
// time index, in one transaction (so the write lock is held briefly); returns how many went.
inline std::int64_t sqlite_delete_oldest(SqliteDatabase& db, const std::string& table,
                                         std::int64_t before, int max_rows) {
  return db.write([&](SqliteConnection& c) {
    c.prepare("DELETE FROM " + table + " WHERE id IN (SELECT id FROM " + table +
              " WHERE timestamp < ? ORDER BY timestamp LIMIT ?)")
        .bind(1, before)
        .bind(2, std::int64_t{max_rows})
        .run();
    return static_cast<std::int64_t>(c.changes());
  });
}

}  // namespace blazeiot
