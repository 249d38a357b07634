#include "storage/sqlite/sqlite_database.hpp"

#include <filesystem>

#include "core/clock.hpp"
#include "storage/sqlite/sqlite_migrations.hpp"

namespace blazeiot {

SqliteDatabase::SqliteDatabase(std::string path) : path_(std::move(path)) {
  auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  writer_ = std::make_unique<SqliteConnection>(path_, /*read_only=*/false);
  checkpointer_ = std::make_unique<SqliteCheckpointer>(path_, *writer_);
}

int SqliteDatabase::migrate() {
  return write([](SqliteConnection& c) {
    // One transaction for the whole upgrade, taken before reading the version: two
    // processes starting together on one file migrate once, the second sees the result.
    SqliteTransaction tx(c);
    c.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    int current = 0;
    {
      auto q = c.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
      if (q.step()) current = static_cast<int>(q.column_int(0));
    }
    for (const Migration& m : sqlite_migrations()) {
      if (m.version <= current) continue;
      c.exec(m.sql);
      c.prepare("INSERT INTO schema_migrations(version, description, applied_at) VALUES (?,?,?)")
          .bind(1, m.version)
          .bind(2, m.description)
          .bind(3, SystemClock().now_ms())
          .run();
      current = m.version;
    }
    tx.commit();
    return current;
  });
}

std::int64_t SqliteDatabase::size_bytes() const {
  std::error_code ec;
  std::int64_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    auto n = std::filesystem::file_size(path_ + suffix, ec);
    if (!ec) total += static_cast<std::int64_t>(n);
  }
  return total;
}

std::unique_ptr<SqliteConnection> SqliteDatabase::acquire_reader() {
  {
    std::lock_guard lock(readers_mutex_);
    if (!readers_.empty()) {
      auto c = std::move(readers_.back());
      readers_.pop_back();
      return c;
    }
  }
  return std::make_unique<SqliteConnection>(path_, /*read_only=*/true);
}

void SqliteDatabase::release_reader(std::unique_ptr<SqliteConnection> c) {
  std::lock_guard lock(readers_mutex_);
  constexpr std::size_t kMaxIdleReaders = 8;
  if (readers_.size() < kMaxIdleReaders) readers_.push_back(std::move(c));
}

}  // namespace blazeiot
