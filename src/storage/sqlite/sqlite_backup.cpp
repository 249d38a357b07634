#include "storage/sqlite/sqlite_backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>

#include "core/fd_io.hpp"
#include "storage/sqlite/sqlite_connection.hpp"
#include "storage/storage_error.hpp"

namespace blazeiot {

namespace fs = std::filesystem;

namespace {

// How long a backup waits for a writer that holds the lock for a moment (a checkpoint's end).
constexpr auto kBusyFor = std::chrono::seconds(10);

StorageError os_error(const std::string& what, int error) {
  return StorageError(what + ": " + std::strerror(error));
}

// The one text cell a PRAGMA answers with, "" when it answers nothing.
std::string pragma_answer(SqliteConnection& c, const char* sql) {
  auto q = c.prepare(sql);
  return q.step() ? q.column_text(0) : std::string();
}

// The FILE.part being written: created exclusively (so two backups never share one, and a
// symlink is not followed), readable by the owner only (the database holds password hashes),
// and removed however the backup ends.
class PartFile {
 public:
  explicit PartFile(fs::path path) : path_(std::move(path)) {
    fd_.reset(::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd_.get() < 0) {
      const int error = errno;
      if (error == EEXIST)
        throw StorageError(path_.string() +
                           " exists (a backup under way, or an interrupted one: remove it)");
      throw os_error("cannot create " + path_.string(), error);
    }
  }
  ~PartFile() {
    // SQLite's own files beside it are gone once its connection closed (declared later,
    // closed first); after a failure they may not be.
    for (const char* suffix : {"", "-journal", "-wal", "-shm"})
      ::unlink((path_.string() + suffix).c_str());
  }
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;
  const fs::path& path() const { return path_; }
  int fd() const { return fd_.get(); }

 private:
  fs::path path_;
  UniqueFd fd_;
};

}  // namespace

SqliteBackupResult sqlite_backup(const std::string& source, const std::string& destination) {
  const fs::path dest(destination);
  if (dest.filename().empty()) throw StorageError("the backup needs a file name, not a directory");
  std::error_code ec;
  if (!fs::is_regular_file(source, ec)) throw StorageError("no database at " + source);
  if (fs::exists(dest, ec)) throw StorageError(destination + " exists; backup never overwrites");

  SqliteConnection from(source, /*read_only=*/true);
  // The loop below waits for a busy writer with a deadline of its own.
  sqlite3_busy_timeout(from.handle(), 0);
  PartFile part(destination + ".part");
  // Opened like any database of the platform's (in WAL mode; the copy leaves it below).
  std::optional<SqliteConnection> to(std::in_place, part.path().string(), /*read_only=*/false);

  SqliteBackupResult result;
  {
    sqlite3_backup* backup = sqlite3_backup_init(to->handle(), "main", from.handle(), "main");
    if (!backup)
      throw StorageError(std::string("cannot start the backup: ") + sqlite3_errmsg(to->handle()));
    // All pages in one step: one read transaction on the source, so one snapshot (stepping
    // in parts would start over at every commit of the running platform).
    const auto give_up = std::chrono::steady_clock::now() + kBusyFor;
    int rc = SQLITE_OK;
    for (;;) {
      rc = sqlite3_backup_step(backup, -1);
      if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) ||
          std::chrono::steady_clock::now() > give_up)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    result.pages = sqlite3_backup_pagecount(backup);
    sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE)
      throw StorageError("backup of " + source + " failed: " + std::string(sqlite3_errstr(rc)));
  }
  // The pages came with the source's header, which says WAL: make the copy one file that
  // any SQLite opens without a -wal beside it.
  if (const std::string mode = pragma_answer(*to, "PRAGMA journal_mode=DELETE"); mode != "delete")
    throw StorageError("cannot take the copy out of WAL mode (" + mode + ")");
  if (const std::string verdict = pragma_answer(*to, "PRAGMA quick_check"); verdict != "ok")
    throw StorageError("the copy failed its check: " + verdict);
  to.reset();

  struct stat st {};
  if (::fsync(part.fd()) != 0 || ::fstat(part.fd(), &st) != 0)
    throw os_error("cannot sync " + part.path().string(), errno);
  result.bytes = st.st_size;
  // link() fails if the destination appeared meanwhile, where rename() would replace it.
  if (::link(part.path().c_str(), dest.c_str()) != 0) {
    const int error = errno;
    if (error == EEXIST) throw StorageError(destination + " exists; backup never overwrites");
    throw os_error("cannot create " + destination, error);
  }
  if (!sync_directory(dest.parent_path().string()))
    throw os_error("copied to " + destination + ", but its directory could not be synced",
                   errno);
  return result;
}

}  // namespace blazeiot
