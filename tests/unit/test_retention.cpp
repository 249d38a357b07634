// Retention deletes what is older than the policy's days, in chunks, and says what it did.
#include <gtest/gtest.h>

#include "../support/ingest_batch_samples.hpp"
#include "app/retention.hpp"
#include "storage/sqlite/sqlite_storage.hpp"
#include "test_http_support.hpp"

namespace blazeiot {
namespace {

using testing::TempDir;
using test::device_reading;
using test::log_entry;

constexpr EpochMs kDayMs = 24LL * 3600 * 1000;

struct CapturedLog final : SystemLog {
  std::vector<LogEntry> entries;
  void write(LogEntry e) override { entries.push_back(std::move(e)); }
};

class RetentionTest : public ::testing::Test {
 protected:
  TempDir dir;
  SqliteStorage storage{(dir.path() / "r.db").string()};
  FakeClock clock{1'750'000'000'000};
  SoleInstance leader;
  CapturedLog log;

  void SetUp() override {
    storage.migrate();
    // More old readings than two chunks, so the round has to come back for more.
    IngestBatch b;
    const int old = 2 * Retention::kChunkRows + 17;
    for (int i = 0; i < old; ++i)
      b.readings.push_back(device_reading("D", clock.now_ms() - 40 * kDayMs + i, std::nullopt));
    for (int i = 0; i < 5; ++i)
      b.readings.push_back(device_reading("D", clock.now_ms() - 2 * kDayMs + i, std::nullopt));
    b.logs.push_back(log_entry("device", "old", clock.now_ms() - 100 * kDayMs));
    b.logs.push_back(log_entry("device", "recent", clock.now_ms() - kDayMs));
    storage.telemetry().apply(b);
  }

  std::int64_t readings_left() { return storage.readings().count(ReadingQuery{}); }
};

TEST_F(RetentionTest, DeletesOnlyWhatIsOlderThanThePolicy) {
  Retention retention(storage, clock, RetentionPolicy{30, 90}, leader, log);
  Retention::Outcome out = retention.run_round();
  EXPECT_EQ(out.periods, 0);  // SQLite has one table, no periods
  EXPECT_EQ(out.readings, 2 * Retention::kChunkRows + 17);
  EXPECT_EQ(out.logs, 1);
  EXPECT_EQ(readings_left(), 5);
  LogQuery all;
  auto logs = storage.logs().find(all);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].message, "recent");

  ASSERT_EQ(log.entries.size(), 2u);
  EXPECT_EQ(log.entries[0].message.find("retention: deleted 10017 readings received before "),
            0u);
  EXPECT_NE(log.entries[0].message.find("DATA_RETENTION_DAYS=30"), std::string::npos);
  EXPECT_NE(log.entries[1].message.find("LOG_RETENTION_DAYS=90"), std::string::npos);

  // Nothing more is due: nothing deleted, nothing said.
  out = retention.run_round();
  EXPECT_EQ(out.readings, 0);
  EXPECT_EQ(out.logs, 0);
  EXPECT_EQ(log.entries.size(), 2u);
}

TEST_F(RetentionTest, ZeroDaysKeepsEverything) {
  Retention retention(storage, clock, RetentionPolicy{0, 0}, leader, log);
  EXPECT_FALSE(RetentionPolicy{}.enabled());
  Retention::Outcome out = retention.run_round();
  EXPECT_EQ(out.readings, 0);
  EXPECT_EQ(out.logs, 0);
  EXPECT_EQ(readings_left(), 2 * Retention::kChunkRows + 22);
  EXPECT_TRUE(log.entries.empty());
}

TEST_F(RetentionTest, AnInstanceThatDoesNotLeadDeletesNothing) {
  struct Follower final : Leadership {
    bool is_leader() const override { return false; }
  } follower;
  Retention retention(storage, clock, RetentionPolicy{1, 1}, follower, log,
                      std::chrono::milliseconds(0));
  retention.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  retention.stop();
  EXPECT_EQ(readings_left(), 2 * Retention::kChunkRows + 22);
}

TEST_F(RetentionTest, TheThreadRunsARoundSoonAfterStartAndStopsPromptly) {
  auto retention = std::make_unique<Retention>(storage, clock, RetentionPolicy{1, 0}, leader, log,
                                               std::chrono::milliseconds(0));
  retention->start();
  for (int i = 0; i < 200 && readings_left() != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(readings_left(), 0);  // all of them are older than a day
  auto t0 = std::chrono::steady_clock::now();
  retention.reset();  // waits an hour for the next round otherwise
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
}

}  // namespace
}  // namespace blazeiot
