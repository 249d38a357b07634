#include "storage/sqlite/sqlite_backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
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

// How long a backup waits for a writer that holds the lock for a moment (a checkpoint's end).
constexpr auto kBusyFor = std::chrono::seconds(10);

StorageError os_error(const std::string& what, int error) {
  return StorageError(what + ": " + std::strerror(error));
}

struct Closer {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};

// The one text cell a PRAGMA answers with, "" when it answers nothing.
std::string pragma_answer(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    if (const unsigned char* text = sqlite3_column_text(st, 0))
      out = reinterpret_cast<const char*>(text);
  sqlite3_finalize(st);
  return out;
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
  sqlite3* raw = nullptr;
  const int open_rc = sqlite3_open_v2(part.path().c_str(), &raw,
                                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, Closer> to(raw);
  auto sqlite_failure = [&](const std::string& what) {
    return StorageError(what + ": " + (to ? sqlite3_errmsg(to.get()) : "out of memory"));
  };
  if (open_rc != SQLITE_OK) throw sqlite_failure("cannot open " + part.path().string());

  SqliteBackupResult result;
  {
    sqlite3_backup* backup = sqlite3_backup_init(to.get(), "main", from.handle(), "main");
    if (!backup) throw sqlite_failure("cannot start the backup");
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
    if (rc != SQLITE_DONE) throw sqlite_failure("backup of " + source + " failed");
  }
  // The pages came with the source's header, which says WAL: make the copy one file that
  // any SQLite opens without a -wal beside it.
  if (const std::string mode = pragma_answer(to.get(), "PRAGMA journal_mode=DELETE");
      mode != "delete")
    throw sqlite_failure("cannot take the copy out of WAL mode (" + mode + ")");
  if (const std::string verdict = pragma_answer(to.get(), "PRAGMA quick_check"); verdict != "ok")
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
  const fs::path dir = dest.has_parent_path() ? dest.parent_path() : fs::path(".");
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0 || ::fsync(dir_fd.get()) != 0)
    throw os_error("copied to " + destination + ", but its directory could not be synced",
                   errno);
  return result;
}

}  // namespace blazeiot
