// `blazeiot backup`: one consistent snapshot, while a writer keeps committing.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "../support/ingest_batch_samples.hpp"
#include "storage/sqlite/sqlite_backup.hpp"
#include "storage/sqlite/sqlite_storage.hpp"
#include "storage/storage_error.hpp"
#include "test_http_support.hpp"

namespace blazeiot {
namespace {

using testing::TempDir;
using test::device_reading;

constexpr int kBatch = 1000;

IngestBatch batch(int n) {
  IngestBatch b;
  for (int i = 0; i < kBatch; ++i)
    b.readings.push_back(device_reading("D" + std::to_string(i % 20), 1'750'000'000'000 + n,
                                        std::nullopt, std::string(200, 'x')));
  return b;
}

TEST(SqliteBackup, CopiesOneSnapshotWhileTheWriterGoesOn) {
  TempDir dir;
  const std::string db = (dir.path() / "live.db").string();
  const std::string copy = (dir.path() / "copy.db").string();
  SqliteStorage live(db);
  live.migrate();
  for (int n = 0; n < 20; ++n) live.telemetry().apply(batch(n));

  std::atomic<bool> stop{false};
  std::atomic<int> committed{20};
  std::thread writer([&] {
    for (int n = 20; !stop; ++n) {
      live.telemetry().apply(batch(n));
      ++committed;
    }
  });
  const int before = committed.load();
  SqliteBackupResult r = sqlite_backup(db, copy);
  const int after = committed.load();
  stop = true;
  writer.join();

  EXPECT_GT(r.pages, 0);
  EXPECT_EQ(r.bytes, static_cast<std::int64_t>(std::filesystem::file_size(copy)));
  EXPECT_FALSE(std::filesystem::exists(copy + ".part"));
  EXPECT_FALSE(std::filesystem::exists(copy + "-wal"));  // one self-contained file
  SqliteStorage restored(copy);
  EXPECT_EQ(restored.migrate(), live.migrate());
  const std::int64_t rows = restored.readings().count({});
  // Whole batches only (a snapshot), at least what was committed when the copy began.
  EXPECT_EQ(rows % kBatch, 0) << rows;
  EXPECT_GE(rows, std::int64_t{before} * kBatch);
  EXPECT_LE(rows, std::int64_t{after + 1} * kBatch);
}

TEST(SqliteBackup, NeverOverwritesAndNeedsADatabase) {
  TempDir dir;
  const std::string db = (dir.path() / "live.db").string();
  const std::string copy = (dir.path() / "copy.db").string();
  {
    SqliteStorage live(db);
    live.migrate();
    live.telemetry().apply(batch(0));
  }
  sqlite_backup(db, copy);
  const auto size = std::filesystem::file_size(copy);
  EXPECT_THROW(sqlite_backup(db, copy), StorageError);
  EXPECT_EQ(std::filesystem::file_size(copy), size);
  EXPECT_THROW(sqlite_backup((dir.path() / "missing.db").string(),
                             (dir.path() / "other.db").string()),
               StorageError);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "other.db"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "missing.db"));
}

}  // namespace
}  // namespace blazeiot
