#include "storage/sqlite/sqlite_reading_inserter.hpp"

#include <optional>
#include <string>

namespace blazeiot {
namespace {

constexpr int kColumns = 8;

std::string insert_sql(std::size_t rows) {
  std::string sql =
      "INSERT INTO sensor_data(source_type, source_id, gateway_id, type, value, data,"
      " timestamp, device_timestamp) VALUES ";
  for (std::size_t i = 0; i < rows; ++i) sql += i ? ",(?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?)";
  return sql;
}

std::optional<std::string_view> non_empty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return std::string_view(s);
}

// Binds one reading to the parameters after `base` (row k of a statement: base = k * 8).
void bind_row(SqliteStatement& st, int base, const Reading& r) {
  st.bind_static(base + 1, to_string(r.source_type))
      .bind_static(base + 2, r.source_id)
      .bind_static(base + 3, non_empty(r.gateway_id))
      .bind_static(base + 4, non_empty(r.type))
      .bind(base + 5, r.value)
      .bind_static(base + 6, r.data_json)
      .bind(base + 7, r.received_at)
      .bind(base + 8, r.device_time);
}

}  // namespace

SqliteReadingInserter::SqliteReadingInserter(SqliteConnection& c)
    : chunk_(c.prepare(insert_sql(kRowsPerStatement))), single_(c.prepare(insert_sql(1))) {}

void SqliteReadingInserter::insert(std::span<const Reading> readings) {
  std::size_t i = 0;
  for (; i + kRowsPerStatement <= readings.size(); i += kRowsPerStatement) {
    for (std::size_t k = 0; k < kRowsPerStatement; ++k)
      bind_row(chunk_, static_cast<int>(k) * kColumns, readings[i + k]);
    chunk_.run();
  }
  for (; i < readings.size(); ++i) {
    bind_row(single_, 0, readings[i]);
    single_.run();
  }
}

}  // namespace blazeiot
