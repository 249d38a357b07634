#include "storage/sqlite/sqlite_backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>

#include "core/fd_io.hpp"
#include "storage/sqlite/sqlite_connection.hpp"
#include "storage/storage_error.hpp"

namespace blazeiot {

namespace fs = std::filesystem;

namespace {

void fsync_path(const fs::path& path, int flags) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0)
    throw StorageError("cannot sync " + path.string() + ": " + std::strerror(errno));
}

struct Closer {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};

}  // namespace

SqliteBackupResult sqlite_backup(const std::string& source, const std::string& destination) {
  const fs::path dest(destination);
  const fs::path part(destination + ".part");
  std::error_code ec;
  if (fs::exists(dest, ec)) throw StorageError(destination + " exists; backup never overwrites");
  if (fs::exists(part, ec))
    throw StorageError(part.string() + " exists (an interrupted backup?); remove it first");
  if (!fs::exists(source, ec)) throw StorageError("no database at " + source);

  SqliteConnection from(source, /*read_only=*/true);
  sqlite3* raw = nullptr;
  const int open_rc = sqlite3_open_v2(part.c_str(), &raw,
                                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                          SQLITE_OPEN_NOMUTEX,
                                      nullptr);
  std::unique_ptr<sqlite3, Closer> to(raw);
  auto fail = [&](const std::string& what) -> StorageError {
    std::string message = what + ": " + (to ? sqlite3_errmsg(to.get()) : "out of memory");
    to.reset();
    fs::remove(part, ec);
    return StorageError(message);
  };
  if (open_rc != SQLITE_OK) throw fail("cannot create " + part.string());

  SqliteBackupResult result;
  {
    sqlite3_backup* backup = sqlite3_backup_init(to.get(), "main", from.handle(), "main");
    if (!backup) throw fail("cannot start the backup");
    // All pages in one step: one read transaction, so one snapshot. A writer holding the
    // lock for a moment (a checkpoint's end) is waited for, up to 10 s.
    int rc = SQLITE_OK;
    for (int attempt = 0; attempt < 200; ++attempt) {
      rc = sqlite3_backup_step(backup, -1);
      if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    result.pages = sqlite3_backup_pagecount(backup);
    sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE) throw fail("backup of " + source + " failed");
  }
  // One file that any SQLite opens as it is, without a -wal beside it.
  if (sqlite3_exec(to.get(), "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr) !=
      SQLITE_OK)
    throw fail("cannot finish the copy");
  sqlite3_stmt* check = nullptr;
  std::string verdict;
  if (sqlite3_prepare_v2(to.get(), "PRAGMA quick_check", -1, &check, nullptr) == SQLITE_OK &&
      sqlite3_step(check) == SQLITE_ROW)
    verdict = reinterpret_cast<const char*>(sqlite3_column_text(check, 0));
  sqlite3_finalize(check);
  if (verdict != "ok") throw fail("the copy failed its check (" + verdict + ")");
  to.reset();

  fsync_path(part, O_RDONLY);
  fs::rename(part, dest);
  fsync_path(dest.has_parent_path() ? dest.parent_path() : fs::path("."), O_RDONLY | O_DIRECTORY);
  result.bytes = static_cast<std::int64_t>(fs::file_size(dest));
  return result;
}

}  // namespace blazeiot
