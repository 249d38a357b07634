// `blazeiot backup`: one consistent snapshot, while a writer keeps committing.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <utility>
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

// Bytes 18 and 19 of an SQLite file: 1 for a rollback journal, 2 for WAL.
std::pair<int, int> file_format(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char header[20] = {};
  in.read(header, sizeof header);
  return {header[18], header[19]};
}

// A live database of `batches` batches, and where its copy goes.
struct SqliteBackupTest : ::testing::Test {
  TempDir dir;
  const std::string db = (dir.path() / "live.db").string();
  const std::string copy = (dir.path() / "copy.db").string();
  std::optional<SqliteStorage> live;

  void open_live(int batches) {
    live.emplace(db);
    live->migrate();
    for (int n = 0; n < batches; ++n) live->telemetry().apply(batch(n));
  }
};

TEST_F(SqliteBackupTest, CopiesOneSnapshotWhileTheWriterGoesOn) {
  open_live(100);  // large enough that copying it takes longer than a few commits

  std::atomic<bool> stop{false};
  std::atomic<int> committed{100};
  std::thread writer([&] {
    for (int n = 100; !stop; ++n) {
      live->telemetry().apply(batch(n));
      ++committed;
    }
  });
  while (committed < 103) std::this_thread::yield();  // the writer is under way
  const int before = committed.load();
  SqliteBackupResult r = sqlite_backup(db, copy);
  const int after = committed.load();
  stop = true;
  writer.join();

  EXPECT_GT(r.pages, 0);
  EXPECT_EQ(r.bytes, static_cast<std::int64_t>(std::filesystem::file_size(copy)));
  EXPECT_FALSE(std::filesystem::exists(copy + ".part"));
  // One self-contained file, readable by its owner only (it holds password hashes).
  EXPECT_EQ(file_format(copy), std::make_pair(1, 1));
  EXPECT_EQ(std::filesystem::status(copy).permissions() & std::filesystem::perms::group_all,
            std::filesystem::perms::none);
  EXPECT_EQ(std::filesystem::status(copy).permissions() & std::filesystem::perms::others_all,
            std::filesystem::perms::none);
  SqliteStorage restored(copy);
  EXPECT_EQ(restored.migrate(), live->migrate());
  const std::int64_t rows = restored.readings().count({});
  // Whole batches only (a snapshot), at least what was committed when the copy began.
  EXPECT_EQ(rows % kBatch, 0) << rows;
  EXPECT_GE(rows, std::int64_t{before} * kBatch);
  EXPECT_LE(rows, std::int64_t{after + 1} * kBatch);
}

TEST_F(SqliteBackupTest, NeverOverwritesAndLeavesNothingWhenItFails) {
  open_live(1);
  live.reset();
  sqlite_backup(db, copy);
  const auto size = std::filesystem::file_size(copy);
  EXPECT_THROW(sqlite_backup(db, copy), StorageError);
  EXPECT_EQ(std::filesystem::file_size(copy), size);

  const auto other = dir.path() / "other.db";
  EXPECT_THROW(sqlite_backup((dir.path() / "missing.db").string(), other.string()),
               StorageError);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "missing.db"));
  {
    std::ofstream garbage(dir.path() / "garbage.db");
    garbage << std::string(8192, 'g');
  }
  EXPECT_THROW(sqlite_backup((dir.path() / "garbage.db").string(), other.string()),
               StorageError);
  EXPECT_THROW(sqlite_backup(db, dir.path().string() + "/"), StorageError);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().string().find("other.db"), std::string::npos) << entry.path();

  // A FILE.part that is there already (a backup under way) is left alone.
  { std::ofstream busy(other.string() + ".part"); busy << "mine"; }
  EXPECT_THROW(sqlite_backup(db, other.string()), StorageError);
  EXPECT_EQ(std::filesystem::file_size(other.string() + ".part"), 4u);
  EXPECT_FALSE(std::filesystem::exists(other));
}

}  // namespace
}  // namespace blazeiot
