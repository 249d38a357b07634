#pragma once
// Builds "WHERE a = ? AND b >= ?" from optional filters and binds the values in order, so a
// query with any combination of filters stays one parameterised statement.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "storage/row_page.hpp"
#include "storage/sqlite/sqlite_connection.hpp"

namespace blazeiot {

class SqliteWhereClause {
 public:
  using Value = std::variant<std::string, std::int64_t>;

  // `condition` holds exactly one '?'.
  template <class T>
  void add_if(const std::optional<T>& value, const char* condition) {
    if (value) add(condition, Value(*value));
  }
  void add(const char* condition, Value value) {
    conditions_.emplace_back(condition);
    values_.push_back(std::move(value));
  }

  std::string sql() const {
    std::string out;
    for (const std::string& c : conditions_) {
      out += out.empty() ? " WHERE " : " AND ";
      out += c;
    }
    return out;
  }

  // " LIMIT ? OFFSET ?" for `page` ("" without a limit), its values bound after the
  // conditions'; call it after the last add() and put it at the end of the statement.
  std::string page_sql(const RowPage& page) {
    if (!page.limit) return {};
    values_.emplace_back(*page.limit);
    values_.emplace_back(page.offset);
    return " LIMIT ? OFFSET ?";
  }

  // Binds the values from index 1; returns the next free index.
  int bind(SqliteStatement& statement) const {
    int index = 1;
    for (const Value& v : values_) {
      std::visit([&](const auto& x) { statement.bind(index, x); }, v);
      ++index;
    }
    return index;
  }

 private:
  std::vector<std::string> conditions_;
  std::vector<Value> values_;
};

}  // namespace blazeiot
