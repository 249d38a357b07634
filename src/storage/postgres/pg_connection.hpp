#pragma once
// Thin RAII over libpq: a connection, its results, text-format parameters, a transaction.
// Every failure throws StorageError; after one, broken() tells whether the connection is
// still usable (a lost server leaves it broken and the pool replaces it).
#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/storage_error.hpp"

namespace blazeiot {

// A failure the server reported, with its SQLSTATE ("40P01" deadlock, "23505" unique, ...);
// empty when the connection itself failed.
class PgError : public StorageError {
 public:
  PgError(const std::string& message, std::string sqlstate)
      : StorageError(message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : r_(r) {}
  ~PgResult() { PQclear(r_); }
  PgResult(PgResult&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
  PgResult& operator=(PgResult&& o) noexcept {
    std::swap(r_, o.r_);
    return *this;
  }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  PGresult* release() { return std::exchange(r_, nullptr); }

  int rows() const { return PQntuples(r_); }
  std::int64_t affected() const;  // rows changed by INSERT/UPDATE/DELETE
  std::string_view command_tag() const { return PQcmdStatus(r_); }

  bool is_null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
  std::string_view text(int row, int col) const {
    return {PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col))};
  }
  std::string string(int row, int col) const { return std::string(text(row, col)); }
  std::int64_t int64(int row, int col) const;
  double float8(int row, int col) const;
  std::optional<std::int64_t> opt_int64(int row, int col) const;
  std::optional<double> opt_float8(int row, int col) const;

 private:
  PGresult* r_ = nullptr;
};

// Parameters in libpq's text format; an empty optional is NULL.
class PgParams {
 public:
  PgParams& add(std::string_view text);
  PgParams& add(const char* text) { return add(std::string_view(text)); }
  PgParams& add(const std::string& text) { return add(std::string_view(text)); }
  PgParams& add(std::int64_t v);
  PgParams& add(int v) { return add(std::int64_t{v}); }
  PgParams& add(double v);
  PgParams& add_null();
  template <class T>
  PgParams& add(const std::optional<T>& v) {
    return v ? add(*v) : add_null();
  }

  int size() const { return static_cast<int>(values_.size()); }
  // Pointers into this object, valid until it changes.
  std::vector<const char*> pointers() const;

 private:
  std::vector<std::string> values_;
  std::vector<bool> null_;
};

class PgConnection {
 public:
  // conninfo: a URI or key=value string. Connects now; throws when it cannot.
  explicit PgConnection(const std::string& conninfo);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // One or more statements without parameters.
  void exec(std::string_view sql);
  // One statement with parameters, planned each time.
  PgResult query(const std::string& sql, const PgParams& params = {});
  // A named statement, prepared on this connection the first time it is used.
  PgResult run(const char* name, const char* sql, const PgParams& params);
  void prepare_once(const char* name, const char* sql);

  // COPY ... FROM STDIN with the rows already encoded in COPY's text format.
  void copy_in(const std::string& copy_sql, std::string_view rows);

  // Lost, or left in a state no caller can use (an abandoned pipeline).
  bool broken() const {
    return PQstatus(conn_) != CONNECTION_OK || PQpipelineStatus(conn_) != PQ_PIPELINE_OFF;
  }
  bool in_transaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }
  int backend_pid() const { return PQbackendPID(conn_); }
  PGconn* handle() const { return conn_; }

  // Throws StorageError for a result that is not one of the expected kinds.
  PgResult check(PGresult* r, std::string_view what, ExecStatusType ok1,
                 ExecStatusType ok2 = PGRES_COMMAND_OK);
  [[noreturn]] void fail(std::string_view what, const PGresult* r = nullptr);

 private:
  PGconn* conn_ = nullptr;
  std::set<std::string, std::less<>> prepared_;
};

// BEGIN ... COMMIT; rolled back when destroyed without commit() (unless the connection is
// gone, in which case the server has already rolled it back).
class PgTransaction {
 public:
  explicit PgTransaction(PgConnection& c) : c_(c) { c_.exec("BEGIN"); }
  ~PgTransaction();
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;
  // Throws when the server rolled back instead (the transaction had failed).
  void commit();

 private:
  PgConnection& c_;
  bool done_ = false;
};

}  // namespace blazeiot
