#pragma once
// One SQLite database file: a single writer connection (SQLite allows one writer at a time
// anyway) and a small pool of reader connections for queries, so API reads never wait
// behind an ingest commit.
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/sqlite/sqlite_checkpointer.hpp"
#include "storage/sqlite/sqlite_connection.hpp"

namespace blazeiot {

class SqliteDatabase {
 public:
  explicit SqliteDatabase(std::string path);

  const std::string& path() const { return path_; }

  // Applies pending migrations; returns the schema version afterwards.
  int migrate();

  // Runs fn with exclusive use of the writer connection.
  template <class Fn>
  auto write(Fn&& fn) {
    std::lock_guard lock(writer_mutex_);
    return fn(*writer_);
  }

  // Runs fn with a reader connection (borrowed from the pool, returned afterwards).
  template <class Fn>
  auto read(Fn&& fn) {
    auto conn = acquire_reader();
    struct Return {
      SqliteDatabase* db;
      std::unique_ptr<SqliteConnection>* c;
      ~Return() { db->release_reader(std::move(*c)); }
    } guard{this, &conn};
    return fn(*conn);
  }

  // Size of the database file plus its WAL, in bytes.
  std::int64_t size_bytes() const;

 private:
  std::unique_ptr<SqliteConnection> acquire_reader();
  void release_reader(std::unique_ptr<SqliteConnection> c);

  std::string path_;
  std::mutex writer_mutex_;
  std::unique_ptr<SqliteConnection> writer_;
  // After writer_: stops (and lets go of the writer's WAL hook) before the writer closes.
  std::unique_ptr<SqliteCheckpointer> checkpointer_;
  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;
};

}  // namespace blazeiot
