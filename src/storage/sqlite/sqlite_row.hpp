#pragma once
// The current row of a statement, as the shared row readers (storage/ota_records.hpp) read it.
#include <vector>

#include "storage/sqlite/sqlite_connection.hpp"

namespace blazeiot {

struct SqliteRow {
  const SqliteStatement& q;

  std::string text(int col) const { return q.column_text(col); }
  std::int64_t int64(int col) const { return q.column_int(col); }
  std::optional<std::int64_t> opt_int64(int col) const { return q.column_opt_int(col); }
  double float8(int col) const { return q.column_double(col); }
};

// Steps the statement to the end, reading every row.
template <class Read>
auto read_rows(SqliteStatement& q, Read read) {
  std::vector<decltype(read(SqliteRow{q}))> out;
  while (q.step()) out.push_back(read(SqliteRow{q}));
  return out;
}

template <class Read>
auto read_first(SqliteStatement& q, Read read) -> std::optional<decltype(read(SqliteRow{q}))> {
  auto rows = read_rows(q, read);
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

}  // namespace blazeiot
