#include "storage/sqlite/sqlite_connection.hpp"

#include <utility>

namespace blazeiot {
namespace {
[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  throw StorageError(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

// SQLite's memory statistics take a process-wide mutex around every allocation and free
// (several per inserted row), and nothing here reads them. The setting must precede SQLite's
// initialisation, i.e. the first open; if something initialised it earlier it is refused and
// nothing changes.
void configure_sqlite_once() {
  static const int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)rc;
}
}  // namespace

SqliteStatement::SqliteStatement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt_, nullptr) != SQLITE_OK)
    fail(db, "prepare failed for \"" + std::string(sql.substr(0, 80)) + "\"");
}

SqliteStatement::SqliteStatement(SqliteConnection& home, sqlite3_stmt* stmt)
    : db_(home.handle()), stmt_(stmt), home_(&home) {}

SqliteStatement::~SqliteStatement() {
  if (home_ && stmt_)
    home_->give_back(stmt_);
  else
    sqlite3_finalize(stmt_);
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), home_(other.home_) {}

SqliteStatement& SqliteStatement::bind_text(int index, std::string_view text,
                                            sqlite3_destructor_type lifetime) {
  if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), lifetime) !=
      SQLITE_OK)
    fail(db_, "bind");
  return *this;
}
SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
  return bind_text(index, text, SQLITE_TRANSIENT);
}
SqliteStatement& SqliteStatement::bind_static(int index, std::string_view text) {
  return bind_text(index, text, SQLITE_STATIC);
}
SqliteStatement& SqliteStatement::bind(int index, std::int64_t v) {
  if (sqlite3_bind_int64(stmt_, index, v) != SQLITE_OK) fail(db_, "bind");
  return *this;
}
SqliteStatement& SqliteStatement::bind(int index, double v) {
  if (sqlite3_bind_double(stmt_, index, v) != SQLITE_OK) fail(db_, "bind");
  return *this;
}
SqliteStatement& SqliteStatement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

bool SqliteStatement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string msg = sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  throw StorageError("step failed: " + msg);
}

void SqliteStatement::run() {
  while (step()) {
  }
  reset();
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool SqliteStatement::is_null(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}
std::int64_t SqliteStatement::column_int(int col) const { return sqlite3_column_int64(stmt_, col); }
double SqliteStatement::column_double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string SqliteStatement::column_text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, sqlite3_column_bytes(stmt_, col)) : std::string();
}
std::optional<std::int64_t> SqliteStatement::column_opt_int(int col) const {
  if (is_null(col)) return std::nullopt;
  return column_int(col);
}
std::optional<double> SqliteStatement::column_opt_double(int col) const {
  if (is_null(col)) return std::nullopt;
  return column_double(col);
}

SqliteConnection::SqliteConnection(const std::string& path, bool read_only) {
  configure_sqlite_once();
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;  // each connection is used by one thread at a time
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw StorageError("cannot open SQLite database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  if (!read_only) {
    // WAL: readers never block the writer. NORMAL: a commit is written to the WAL file
    // before it returns (survives a crash of this process); fsync happens at checkpoints
    // (SqliteCheckpointer runs those for the database's writer connection).
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
  }
  exec("PRAGMA foreign_keys=ON");
  exec("PRAGMA temp_store=MEMORY");
  if (read_only) {
    // Queries read the database file through a memory map instead of one pread() per page
    // missed in the connection's 2 MB page cache: a page of a device's readings touches a
    // table page per reading. The pages are the kernel's file cache, shared and reclaimable,
    // not memory of ours. (The file never shrinks under us: auto_vacuum is off, no VACUUM.)
    exec("PRAGMA mmap_size=1073741824");
  }
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : idle_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

SqliteStatement SqliteConnection::prepare(std::string_view sql) {
  if (auto it = idle_.find(sql); it != idle_.end()) {
    sqlite3_stmt* stmt = it->second;
    idle_.erase(it);
    return SqliteStatement(*this, stmt);
  }
  SqliteStatement fresh(db_, sql);
  sqlite3_stmt* stmt = std::exchange(fresh.stmt_, nullptr);
  return SqliteStatement(*this, stmt);
}

void SqliteConnection::give_back(sqlite3_stmt* stmt) {
  // Reset releases the statement's read snapshot and any locks it held.
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  const char* sql = sqlite3_sql(stmt);
  if (idle_.size() >= kMaxCachedStatements || !sql || idle_.count(std::string_view(sql))) {
    sqlite3_finalize(stmt);  // a second copy of a statement in use at the same time
    return;
  }
  idle_.emplace(sql, stmt);
}

void SqliteConnection::exec(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw StorageError("SQL failed (" + s.substr(0, 60) + "): " + msg);
  }
}

SqliteTransaction::~SqliteTransaction() {
  if (!done_) {
    try {
      c_.exec("ROLLBACK");
    } catch (...) {
      // The connection already rolled back (e.g. after SQLITE_FULL); nothing left to undo.
    }
  }
}

}  // namespace blazeiot
