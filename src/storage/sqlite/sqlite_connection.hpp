#pragma once
// Thin RAII over sqlite3: a connection and prepared statements. Errors throw StorageError.
#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "storage/storage_error.hpp"

namespace blazeiot {

class SqliteConnection;

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, std::string_view sql);
  // A compiled statement lent by `home`'s cache; it goes back there when destroyed.
  SqliteStatement(SqliteConnection& home, sqlite3_stmt* stmt);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  SqliteStatement(SqliteStatement&& other) noexcept;

  // Bind by 1-based index. Empty optionals bind NULL.
  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind(int index, std::int64_t v);
  SqliteStatement& bind(int index, int v) { return bind(index, std::int64_t{v}); }
  SqliteStatement& bind(int index, double v);
  SqliteStatement& bind_null(int index);
  // Like bind(text) without SQLite taking a copy: the text must stay valid and unchanged
  // until the statement is reset (run() does that). For hot loops over data that outlives
  // the statement's execution.
  SqliteStatement& bind_static(int index, std::string_view text);
  template <class T>
  SqliteStatement& bind_static(int index, const std::optional<T>& text) {
    return text ? bind_static(index, *text) : bind_null(index);
  }
  template <class T>
  SqliteStatement& bind(int index, const std::optional<T>& v) {
    return v ? bind(index, *v) : bind_null(index);
  }

  bool step();  // true while a row is available
  void run();   // step to completion, then reset
  void reset();

  bool is_null(int col) const;
  std::int64_t column_int(int col) const;
  double column_double(int col) const;
  std::string column_text(int col) const;
  std::optional<std::int64_t> column_opt_int(int col) const;
  std::optional<double> column_opt_double(int col) const;

 private:
  friend class SqliteConnection;
  SqliteStatement& bind_text(int index, std::string_view text, sqlite3_destructor_type lifetime);
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  SqliteConnection* home_ = nullptr;
};

class SqliteConnection {
 public:
  // Opens (creating when asked) with WAL, foreign keys and a busy timeout.
  SqliteConnection(const std::string& path, bool read_only);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  void exec(std::string_view sql);
  // A compiled statement for `sql`, reused from earlier calls with the same text: compiling
  // costs more than running the short queries the API makes (tens of microseconds).
  SqliteStatement prepare(std::string_view sql);
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  sqlite3* handle() const { return db_; }

 private:
  friend class SqliteStatement;
  void give_back(sqlite3_stmt* stmt);

  // Idle compiled statements by SQL text. Queries are built from a fixed set of fragments,
  // so the number of distinct texts is small; the bound is a guard, not a tuning knob.
  static constexpr std::size_t kMaxCachedStatements = 128;
  std::map<std::string, sqlite3_stmt*, std::less<>> idle_;
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back when destroyed without commit().
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteConnection& c) : c_(c) { c_.exec("BEGIN IMMEDIATE"); }
  ~SqliteTransaction();
  void commit() {
    c_.exec("COMMIT");
    done_ = true;
  }

 private:
  SqliteConnection& c_;
  bool done_ = false;
};

}  // namespace blazeiot
