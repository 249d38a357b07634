#include "storage/postgres/pg_copy_rows.hpp"

#include <charconv>

namespace blazeiot {

void PgCopyRows::separate() {
  if (row_open_) data_ += '\t';
  row_open_ = true;
}

PgCopyRows& PgCopyRows::text(std::string_view v) {
  separate();
  for (char ch : v) {
    switch (ch) {
      case '\\': data_ += "\\\\"; break;
      case '\t': data_ += "\\t"; break;
      case '\n': data_ += "\\n"; break;
      case '\r': data_ += "\\r"; break;
      // PostgreSQL text cannot hold NUL; a stray one must not make the whole batch fail.
      case '\0': break;
      default: data_ += ch;
    }
  }
  return *this;
}

PgCopyRows& PgCopyRows::int64(std::int64_t v) {
  separate();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  data_.append(buf, end);
  return *this;
}

PgCopyRows& PgCopyRows::float8(double v) {
  separate();
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact form
  data_.append(buf, end);
  return *this;
}

PgCopyRows& PgCopyRows::null() {
  separate();
  data_ += "\\N";
  return *this;
}

void PgCopyRows::end_row() {
  data_ += '\n';
  row_open_ = false;
  ++rows_;
}

}  // namespace blazeiot
