// The SQLite WAL is copied back into the database file by the checkpointer thread, so the
// writer's commits never do it, and the WAL file stays bounded under a long burst.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include "domain/ingest_batch.hpp"
#include "storage/sqlite/sqlite_storage.hpp"
#include "test_http_support.hpp"

namespace blazeiot {
namespace {

using testing::TempDir;

IngestBatch readings_batch(int count, int first) {
  IngestBatch b;
  const std::string pad(400, 'x');
  for (int i = 0; i < count; ++i) {
    Reading r;
    r.source_id = "Device" + std::to_string((first + i) % 50);
    r.data_json = "{\"pad\":\"" + pad + "\"}";
    r.received_at = 1'700'000'000'000 + first + i;
    b.readings.push_back(std::move(r));
  }
  return b;
}

std::uintmax_t size_of(const std::filesystem::path& p) {
  std::error_code ec;
  auto n = std::filesystem::file_size(p, ec);
  return ec ? 0 : n;
}

TEST(SqliteCheckpointer, CopiesTheWalIntoTheDatabaseInTheBackground) {
  TempDir dir;
  const auto path = dir.path() / "c.db";
  SqliteStorage storage{path.string()};
  storage.migrate();
  const auto empty = size_of(path);
  // About 12 MB of rows: well past the 1000-page signal threshold (4 MB).
  for (int i = 0; i < 20; ++i) storage.telemetry().apply(readings_batch(1000, i * 1000));

  // The checkpoint runs on its own thread: wait for the database file to take the rows.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (size_of(path) < empty + 4'000'000 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_GE(size_of(path), empty + 4'000'000);
  EXPECT_EQ(storage.readings().count({}), 20'000);
}

TEST(SqliteCheckpointer, WalStaysBoundedUnderAnUnbrokenBurst) {
  TempDir dir;
  const auto path = dir.path() / "c.db";
  SqliteStorage storage{path.string()};
  storage.migrate();
  // About 100 MB of rows in back-to-back commits, three times the writer's own threshold,
  // whether or not the thread ever catches up between two commits.
  for (int i = 0; i < 200; ++i) storage.telemetry().apply(readings_batch(1000, i * 1000));
  const auto wal = size_of(path.string() + "-wal");
  // Frames are 4 KiB + 24 bytes; one batch (about 150 pages) may land past the threshold.
  EXPECT_LT(wal, 4120ull * (SqliteCheckpointer::kWriterPages + 500));
  EXPECT_EQ(storage.readings().count({}), 200'000);
}

TEST(SqliteCheckpointer, LeavesAnEmptyWalWhenAnotherProcessKeepsTheDatabaseOpen) {
  TempDir dir;
  const auto path = dir.path() / "c.db";
  std::unique_ptr<SqliteConnection> other;  // like a second process reading the file
  {
    SqliteStorage storage{path.string()};
    storage.migrate();
    other = std::make_unique<SqliteConnection>(path.string(), /*read_only=*/true);
    other->prepare("SELECT COUNT(*) FROM sensor_data").step();  // attaches it to the WAL
    for (int i = 0; i < 5; ++i) storage.telemetry().apply(readings_batch(1000, i * 1000));
    EXPECT_GT(size_of(path.string() + "-wal"), 0u);
  }
  // SQLite's own checkpoint at close skips a database still open elsewhere; ours does not.
  EXPECT_EQ(size_of(path.string() + "-wal"), 0u);
  EXPECT_EQ(other->prepare("SELECT COUNT(*) FROM sensor_data").step(), true);
}

}  // namespace
}  // namespace blazeiot
