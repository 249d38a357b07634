#include "storage/postgres/pg_connection.hpp"

#include <algorithm>
#include <charconv>

namespace blazeiot {
namespace {

template <class T>
T parse_number(std::string_view text) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    throw StorageError("unexpected number from PostgreSQL: " + std::string(text));
  return v;
}

std::string trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Notices ("relation already exists, skipping") are expected and not worth a log line.
void ignore_notice(void*, const char*) {}

}  // namespace

std::int64_t PgResult::affected() const {
  std::string_view n = PQcmdTuples(r_);
  return n.empty() ? 0 : parse_number<std::int64_t>(n);
}

std::int64_t PgResult::int64(int row, int col) const {
  return parse_number<std::int64_t>(text(row, col));
}

double PgResult::float8(int row, int col) const { return parse_number<double>(text(row, col)); }

std::optional<std::int64_t> PgResult::opt_int64(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return int64(row, col);
}

std::optional<double> PgResult::opt_float8(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return float8(row, col);
}

PgParams& PgParams::add(std::string_view text) {
  values_.emplace_back(text);
  null_.push_back(false);
  return *this;
}

PgParams& PgParams::add(std::int64_t v) { return add(std::string_view(std::to_string(v))); }

PgParams& PgParams::add(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact form
  return add(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

PgParams& PgParams::add_null() {
  values_.emplace_back();
  null_.push_back(true);
  return *this;
}

std::vector<const char*> PgParams::pointers() const {
  std::vector<const char*> out(values_.size());
  for (std::size_t i = 0; i < values_.size(); ++i)
    out[i] = null_[i] ? nullptr : values_[i].c_str();
  return out;
}

PgConnection::PgConnection(const std::string& conninfo) {
  // Defaults first: anything the operator's URI says comes later and wins. The keepalives
  // and the user timeout turn a silently vanished server into an error instead of a hang.
  const char* keys[] = {"connect_timeout", "application_name", "keepalives_idle",
                        "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                        "dbname", nullptr};
  const char* values[] = {"10", "blazeiot", "15", "5", "3", "30000", conninfo.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn_) throw StorageError("PostgreSQL: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = "cannot connect to PostgreSQL: " + trimmed(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw StorageError(message);
  }
  PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
}

PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

void PgConnection::fail(std::string_view what, const PGresult* r) {
  std::string message = std::string(what) + ": ";
  std::string sqlstate;
  if (r) {
    message += trimmed(PQresultErrorMessage(r));
    if (const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE)) sqlstate = s;
  } else {
    message += trimmed(PQerrorMessage(conn_));
  }
  throw PgError(message, std::move(sqlstate));
}

PgResult PgConnection::check(PGresult* r, std::string_view what, ExecStatusType ok1,
                             ExecStatusType ok2) {
  PgResult result(r);
  if (!r) fail(what);
  ExecStatusType status = PQresultStatus(r);
  if (status != ok1 && status != ok2) fail(what, r);
  return result;
}

void PgConnection::exec(std::string_view sql) {
  std::string text(sql);
  check(PQexec(conn_, text.c_str()), text.substr(0, 60), PGRES_COMMAND_OK, PGRES_TUPLES_OK);
}

PgResult PgConnection::query(const std::string& sql, const PgParams& params) {
  auto values = params.pointers();
  return check(PQexecParams(conn_, sql.c_str(), params.size(), nullptr, values.data(), nullptr,
                            nullptr, 0),
               sql.substr(0, 60), PGRES_TUPLES_OK, PGRES_COMMAND_OK);
}

void PgConnection::prepare_once(const char* name, const char* sql) {
  if (prepared_.contains(std::string_view(name))) return;
  check(PQprepare(conn_, name, sql, 0, nullptr), std::string("prepare ") + name,
        PGRES_COMMAND_OK);
  prepared_.emplace(name);
}

PgResult PgConnection::run(const char* name, const char* sql, const PgParams& params) {
  prepare_once(name, sql);
  auto values = params.pointers();
  return check(PQexecPrepared(conn_, name, params.size(), values.data(), nullptr, nullptr, 0),
               name, PGRES_TUPLES_OK, PGRES_COMMAND_OK);
}

void PgConnection::copy_in(const std::string& copy_sql, std::string_view rows) {
  check(PQexec(conn_, copy_sql.c_str()), copy_sql.substr(0, 60), PGRES_COPY_IN);
  constexpr std::size_t kChunk = 1 << 20;
  for (std::size_t at = 0; at < rows.size(); at += kChunk) {
    std::size_t n = std::min(kChunk, rows.size() - at);
    if (PQputCopyData(conn_, rows.data() + at, static_cast<int>(n)) != 1) fail("COPY data");
  }
  if (PQputCopyEnd(conn_, nullptr) != 1) fail("COPY end");
  // The COPY's outcome; the connection is ready again once PQgetResult says no more.
  PgResult outcome(PQgetResult(conn_));
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  check(outcome.release(), "COPY", PGRES_COMMAND_OK);
}

PgTransaction::~PgTransaction() {
  if (done_ || c_.broken() || !c_.in_transaction()) return;
  PQclear(PQexec(c_.handle(), "ROLLBACK"));
}

void PgTransaction::commit() {
  done_ = true;
  PgResult r = c_.check(PQexec(c_.handle(), "COMMIT"), "COMMIT", PGRES_COMMAND_OK);
  if (r.command_tag() != "COMMIT")
    throw StorageError("transaction rolled back by the server instead of committed");
}

}  // namespace blazeiot
