#pragma once
// One row of a result, as the shared row readers (storage/ota_records.hpp) read it.
#include <vector>

#include "storage/postgres/pg_connection.hpp"

namespace blazeiot {

struct PgRow {
  const PgResult& q;
  int row;

  std::string text(int col) const { return q.string(row, col); }
  std::int64_t int64(int col) const { return q.int64(row, col); }
  std::optional<std::int64_t> opt_int64(int col) const { return q.opt_int64(row, col); }
  double float8(int col) const { return q.float8(row, col); }
};

template <class Read>
auto read_rows(const PgResult& q, Read read) {
  std::vector<decltype(read(PgRow{q, 0}))> out;
  out.reserve(static_cast<std::size_t>(q.rows()));
  for (int i = 0; i < q.rows(); ++i) out.push_back(read(PgRow{q, i}));
  return out;
}

template <class Read>
auto read_first(const PgResult& q, Read read) -> std::optional<decltype(read(PgRow{q, 0}))> {
  if (q.rows() == 0) return std::nullopt;
  return read(PgRow{q, 0});
}

}  // namespace blazeiot
