#include "storage/sqlite/sqlite_checkpointer.hpp"

#include "core/thread_name.hpp"

namespace blazeiot {

SqliteCheckpointer::SqliteCheckpointer(const std::string& path, SqliteConnection& writer)
    : writer_(writer),
      connection_(std::make_unique<SqliteConnection>(path, /*read_only=*/false)),
      thread_([this] { run(); }) {
  // Replaces SQLite's automatic checkpoint on this connection.
  sqlite3_wal_hook(writer_.handle(), &SqliteCheckpointer::on_commit, this);
}

SqliteCheckpointer::~SqliteCheckpointer() {
  sqlite3_wal_hook(writer_.handle(), nullptr, nullptr);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  // SQLite checkpoints and deletes the WAL when the last connection closes, but not while
  // another process has the database open. Empty it here either way, so the next start has
  // no WAL to read back. Readers get a moment to finish; then it is left as it is.
  sqlite3_busy_timeout(writer_.handle(), 1000);
  sqlite3_wal_checkpoint_v2(writer_.handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr,
                            nullptr);
}

// Runs on the committing thread, after the commit, with the write lock already released.
int SqliteCheckpointer::on_commit(void* self, sqlite3* db, const char* schema, int wal_pages) {
  auto* me = static_cast<SqliteCheckpointer*>(self);
  int copied = me->copied_.load();
  if (copied > wal_pages) copied = 0;  // the WAL started over since
  if (wal_pages >= kWriterPages) {
    // A second checkpoint beside the thread's would only be refused (SQLITE_BUSY): wait for
    // the thread's pass to end, then copy what it left. An error shows again next time.
    std::lock_guard lock(me->checkpoint_mutex_);
    me->pass(db, schema);
  } else if (wal_pages >= kSignalPages && wal_pages - copied >= kPassPages) {
    {
      std::lock_guard lock(me->mutex_);
      me->wanted_ = true;
    }
    me->wake_.notify_one();
  }
  return SQLITE_OK;
}

// Copies what is committed and no reader still needs; the caller holds checkpoint_mutex_.
void SqliteCheckpointer::pass(sqlite3* db, const char* schema) {
  int wal_frames = 0;
  int copied = 0;
  if (sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, &copied) ==
      SQLITE_OK)
    copied_ = copied;
}

void SqliteCheckpointer::run() {
  name_this_thread("wal-checkpoint");
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return wanted_ || stopping_; });
    if (stopping_) return;
    wanted_ = false;
    lock.unlock();
    {
      // An error (e.g. a full disk) would show again on the next pass and on the writer's
      // own commits; there is nobody to report it to here.
      std::lock_guard lock_pass(checkpoint_mutex_);
      pass(connection_->handle(), nullptr);
    }
    lock.lock();
  }
}

}  // namespace blazeiot
