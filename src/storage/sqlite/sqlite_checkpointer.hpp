#pragma once
// Copies the write-ahead log back into the database file on a thread of its own.
//
// By default SQLite does this on the connection that commits, once the WAL passes 1000
// pages: the copy (a read and a write per page) and its two fdatasync calls then stall the
// single writer, which under a telemetry burst is the serial part of ingest. Here the writer
// only signals after its commit and this thread checkpoints through its own connection, which
// SQLite lets run beside a writer (PASSIVE mode: it copies what is committed and waits for
// nobody). Durability is unchanged: a commit is in the WAL when it returns, as before, and
// the checkpoint syncs the WAL before and the database after copying, as before.
//
// The WAL can only start over from its beginning when a checkpoint has copied all of it before
// the next commit writes. If the thread does not manage that and the WAL passes kWriterPages,
// the writer waits for the thread's pass to end and checkpoints the rest itself, as SQLite
// would have done at 1000 pages, which bounds the WAL file. When the database closes, the WAL
// is emptied (see the destructor).
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "storage/sqlite/sqlite_connection.hpp"

namespace blazeiot {

class SqliteCheckpointer {
 public:
  // Signal the thread from this many WAL pages on (SQLite's own threshold), and again each
  // time this many more than its last pass copied have come: small commits (QoS 1 traffic)
  // must not each start a pass, with its two fdatasync calls, for a few pages.
  static constexpr int kSignalPages = 1000;
  static constexpr int kPassPages = 500;
  // The writer checkpoints itself from this many (32 MB with 4 KiB pages; the WAL file keeps
  // that size on disk until the database closes). While commits keep coming every few
  // milliseconds the thread's passes never catch up completely, so the WAL only starts over
  // when it reaches this size and the writer copies the rest itself, with two fdatasync
  // calls: 2-7 ms without a commit, more when the disk is slow to sync. A live stream of
  // 5,000 msg/s writes ~11,000 WAL pages a second (each commit rewrites every index page it
  // touches): at 2,000 pages that pause came five times a second, at 8,000 about once.
  static constexpr int kWriterPages = 8000;

  // Takes over checkpointing for `writer` (its WAL hook); `path` is the database file.
  SqliteCheckpointer(const std::string& path, SqliteConnection& writer);
  ~SqliteCheckpointer();
  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void pass(sqlite3* db, const char* schema);
  void run();

  SqliteConnection& writer_;
  std::unique_ptr<SqliteConnection> connection_;
  std::mutex checkpoint_mutex_;  // held by whoever checkpoints: the thread or the writer
  std::mutex mutex_;             // guards wanted_ and stopping_
  std::condition_variable wake_;
  // WAL frames the last checkpoint left copied; above the WAL's size once it started over.
  std::atomic<int> copied_{0};
  bool wanted_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace blazeiot
