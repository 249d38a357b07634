#pragma once
// Rows encoded in COPY's text format (tab-separated, \N for NULL, backslash escapes), for
// PgConnection::copy_in.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace blazeiot {

class PgCopyRows {
 public:
  PgCopyRows& text(std::string_view v);
  PgCopyRows& int64(std::int64_t v);
  PgCopyRows& float8(double v);
  PgCopyRows& null();
  template <class T>
  PgCopyRows& opt(const std::optional<T>& v) {
    if (!v) return null();
    if constexpr (std::is_floating_point_v<T>) {
      return float8(*v);
    } else {
      return int64(*v);
    }
  }
  void end_row();

  std::string_view data() const { return data_; }
  std::size_t rows() const { return rows_; }
  void reserve(std::size_t bytes) { data_.reserve(bytes); }

 private:
  void separate();

  std::string data_;
  std::size_t rows_ = 0;
  bool row_open_ = false;
};

}  // namespace blazeiot
