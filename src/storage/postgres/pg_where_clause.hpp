#pragma once
// Builds "WHERE a = $1 AND b >= $2" from optional filters and collects the parameters, so a
// query with any combination of filters stays one parameterised statement.
#include <optional>
#include <string>

#include "storage/postgres/pg_connection.hpp"
#include "storage/row_page.hpp"

namespace blazeiot {

class PgWhereClause {
 public:
  // `lhs` is a column and an operator ("status = "); the placeholder is appended.
  template <class T>
  void add(const char* lhs, const T& value) {
    sql_ += sql_.empty() ? " WHERE " : " AND ";
    sql_ += lhs;
    sql_ += placeholder(value);
  }
  template <class T>
  void add_if(const std::optional<T>& value, const char* lhs) {
    if (value) add(lhs, *value);
  }

  // Adds a parameter used elsewhere in the statement (LIMIT, OFFSET); returns "$n".
  template <class T>
  std::string placeholder(const T& value) {
    params_.add(value);
    return "$" + std::to_string(params_.size());
  }

  // " LIMIT $n OFFSET $m" for `page` ("" without a limit), for the end of the statement.
  std::string page_sql(const RowPage& page) {
    if (!page.limit) return {};
    std::string out = " LIMIT " + placeholder(*page.limit);
    return out + " OFFSET " + placeholder(page.offset);
  }

  const std::string& sql() const { return sql_; }
  const PgParams& params() const { return params_; }

 private:
  std::string sql_;
  PgParams params_;
};

}  // namespace blazeiot
