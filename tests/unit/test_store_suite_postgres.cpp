// What only the PostgreSQL backend has: monthly partitions, the connection pool, and riding
// out a lost connection. Everything the backends share is in the typed store suite.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "../support/ingest_batch_samples.hpp"
#include "../support/store_backends.hpp"
#include "storage/postgres/pg_pool.hpp"

using namespace blazeiot;
using namespace blazeiot::test;

namespace {

constexpr EpochMs kNov2023 = 1'698'796'800'000;  // 2023-11-01T00:00:00Z
constexpr EpochMs kDec2023 = 1'701'388'800'000;
constexpr EpochMs kJan2024 = 1'704'067'200'000;

}  // namespace

// Outside the anonymous namespace: the tests derive from it, and in a unity batch a base of
// internal linkage would make each of them a -Wsubobject-linkage warning.
class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BLAZEIOT_REQUIRE_PG_TEST_SERVER();
    db_.emplace();
    storage_ = std::make_unique<PostgresStorage>(db_->conninfo());
    storage_->migrate();
  }
  void TearDown() override {
    storage_.reset();
    db_.reset();
  }

  std::int64_t scalar(const std::string& sql) {
    return PostgresBackend::scalar(*storage_, sql).value_or(-1);
  }
  bool partition_exists(const std::string& name) {
    return scalar("SELECT COUNT(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                  " WHERE i.inhparent = 'sensor_data'::regclass AND c.relname = '" +
                  name + "'") == 1;
  }
  // What a restarted or failed-over server does to every open connection.
  void kill_connections() {
    PgConnection admin(db_->admin_conninfo());
    PgResult r = admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = $1 AND pid <> pg_backend_pid()",
        PgParams().add(db_->name()));
    ASSERT_GT(r.rows(), 0);
  }
  static IngestBatch device_batch(const std::string& id, EpochMs at, int readings = 1) {
    IngestBatch b;
    b.sightings.push_back(sighting(EntityKind::device, id, at));
    for (int i = 0; i < readings; ++i) b.readings.push_back(device_reading(id, at + i, 1.0));
    return b;
  }

  std::optional<PgTestDatabase> db_;
  std::unique_ptr<PostgresStorage> storage_;
};

TEST_F(PostgresStoreTest, MigrateCreatesThisMonthsPartitionAndTwoAhead) {
  for (const char* ahead : {"0", "1", "2"}) {
    EXPECT_EQ(scalar(std::string("SELECT COUNT(*) FROM pg_class WHERE relname = 'sensor_data_' ||"
                                 " to_char((now() AT TIME ZONE 'UTC') + interval '") +
                     ahead + " month', 'YYYY_MM')"),
              1)
        << "month +" << ahead;
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM pg_inherits WHERE inhparent = 'sensor_data'::regclass"),
            3);
}

TEST_F(PostgresStoreTest, IngestCreatesTheMonthsItWritesAndTheNextOnes) {
  storage_->telemetry().apply(device_batch("d1", kNov2023 + 5));
  EXPECT_TRUE(partition_exists("sensor_data_2023_11"));
  EXPECT_TRUE(partition_exists("sensor_data_2023_12"));
  EXPECT_TRUE(partition_exists("sensor_data_2024_01"));
  EXPECT_FALSE(partition_exists("sensor_data_2024_02"));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM sensor_data_2023_11"), 1);
  // The last millisecond of a month belongs to it, the next one to the next month.
  storage_->telemetry().apply(device_batch("d1", kDec2023 - 1));
  storage_->telemetry().apply(device_batch("d1", kDec2023));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM sensor_data_2023_11"), 2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM sensor_data_2023_12"), 1);
  EXPECT_TRUE(partition_exists("sensor_data_2024_02"));
}

TEST_F(PostgresStoreTest, OldReadingsAreDroppedAPartitionAtATime) {
  storage_->telemetry().apply(device_batch("d1", kNov2023, 3));
  storage_->telemetry().apply(device_batch("d1", kDec2023, 2));
  storage_->telemetry().apply(device_batch("d1", kJan2024, 1));

  EXPECT_EQ(scalar("SELECT sensor_data_drop_partitions_before(" + std::to_string(kDec2023) + ")"),
            1);
  EXPECT_FALSE(partition_exists("sensor_data_2023_11"));
  EXPECT_EQ(storage_->readings().count({}), 3);

  // The writer still believes November exists; its next batch there heals by itself.
  storage_->telemetry().apply(device_batch("d1", kNov2023 + 7));
  EXPECT_TRUE(partition_exists("sensor_data_2023_11"));
  EXPECT_EQ(storage_->readings().count({}), 4);
}

TEST_F(PostgresStoreTest, RetentionDropsWholeMonthsThenDeletesTheRestRowByRow) {
  storage_->telemetry().apply(device_batch("d1", kNov2023, 3));
  storage_->telemetry().apply(device_batch("d1", kDec2023, 4));
  storage_->telemetry().apply(device_batch("d1", kJan2024, 1));
  const EpochMs before = kDec2023 + 2;  // November ended before it; December did not
  EXPECT_EQ(storage_->readings().drop_periods_before(before), 1);
  EXPECT_FALSE(partition_exists("sensor_data_2023_11"));
  EXPECT_TRUE(partition_exists("sensor_data_2023_12"));
  EXPECT_EQ(storage_->readings().delete_older_than(before, 100), 2);  // kDec2023, kDec2023 + 1
  EXPECT_EQ(storage_->readings().count({}), 3);
  EXPECT_EQ(storage_->readings().drop_periods_before(before), 0);
}

TEST_F(PostgresStoreTest, AMonthsDropGivesUpWhenALongQueryHoldsTheTable) {
  storage_->telemetry().apply(device_batch("d1", kNov2023, 1));
  storage_->telemetry().apply(device_batch("d1", kJan2024, 1));
  // Another session is reading sensor_data in an open transaction: the DROP would wait for
  // it, and everything else would queue behind the DROP.
  PgConnection reader(db_->conninfo());
  reader.exec("BEGIN");
  reader.query("SELECT COUNT(*) FROM sensor_data");
  auto t0 = std::chrono::steady_clock::now();
  try {
    storage_->readings().drop_periods_before(kDec2023);
    ADD_FAILURE() << "the DROP did not wait for the reader";
  } catch (const PgError& e) {
    EXPECT_EQ(e.sqlstate(), "55P03") << e.what();  // lock_not_available
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_TRUE(partition_exists("sensor_data_2023_11"));
  reader.exec("COMMIT");
  EXPECT_EQ(storage_->readings().drop_periods_before(kDec2023), 1);
}

TEST_F(PostgresStoreTest, AFailingCopyRollsBackTheWholeBatch) {
  // Sightings go down the pipeline first, readings by COPY after them: a COPY that fails
  // must take the sightings with it.
  PgConnection(db_->conninfo())
      .exec("ALTER TABLE sensor_data ADD CONSTRAINT no_poison CHECK (source_id <> 'poison')");
  IngestBatch b = device_batch("d1", kNov2023);
  b.readings.push_back(device_reading("poison", kNov2023, 1.0));
  b.logs.push_back(log_entry("device", "registered", kNov2023));
  EXPECT_THROW(storage_->telemetry().apply(b), StorageError);
  EXPECT_FALSE(storage_->devices().find("d1"));
  EXPECT_EQ(storage_->readings().count({}), 0);
  EXPECT_EQ(storage_->logs().count({}), 0);
}

TEST_F(PostgresStoreTest, ConnectionLossFailsOneCallThenTheStoresReconnect) {
  storage_->telemetry().apply(device_batch("d1", kNov2023));
  ASSERT_TRUE(storage_->devices().find("d1"));

  kill_connections();
  // The batch in flight when the connection went is refused as a whole ...
  EXPECT_THROW(storage_->telemetry().apply(device_batch("d2", kNov2023, 5)), StorageError);
  EXPECT_THROW(storage_->devices().find("d1"), StorageError);
  // ... and the next calls get new connections.
  storage_->telemetry().apply(device_batch("d2", kNov2023, 5));
  EXPECT_TRUE(storage_->devices().find("d1"));
  EXPECT_EQ(storage_->readings().count({}), 6);
}

TEST_F(PostgresStoreTest, AllIdleConnectionsAreReplacedAfterOneIsFoundBroken) {
  // Fill the pool with idle connections, lose them all, and expect only one failure.
  std::vector<std::future<void>> holders;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> holding{0};
  for (int i = 0; i < 4; ++i) {
    holders.push_back(std::async(std::launch::async, [&] {
      storage_->pool().run([&](PgConnection&) {
        ++holding;
        released.wait();
      });
    }));
  }
  while (holding < 4) std::this_thread::yield();
  release.set_value();
  for (auto& h : holders) h.get();

  kill_connections();
  EXPECT_THROW(storage_->stats().inventory_counts(), StorageError);
  EXPECT_NO_THROW(storage_->stats().inventory_counts());
  EXPECT_NO_THROW(storage_->readings().count({}));
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsAStorageError) {
  // Port 1 on loopback: nothing listens there, the connection is refused at once.
  PostgresStorage nowhere("host=127.0.0.1 port=1 dbname=x user=postgres connect_timeout=2");
  EXPECT_THROW(nowhere.migrate(), StorageError);
  EXPECT_THROW(nowhere.telemetry().apply(device_batch("d1", kNov2023)), StorageError);
  EXPECT_THROW(nowhere.devices().find("d1"), StorageError);
}

TEST_F(PostgresStoreTest, ThePoolIsBounded) {
  PgPool pool(db_->conninfo(),
              {.max_connections = 2, .acquire_timeout = std::chrono::milliseconds(2000)});
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> holding{0};
  std::vector<std::future<void>> holders;
  for (int i = 0; i < 2; ++i) {
    holders.push_back(std::async(std::launch::async, [&] {
      pool.run([&](PgConnection&) {
        ++holding;
        released.wait();
      });
    }));
  }
  while (holding < 2) std::this_thread::yield();
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(pool.run([](PgConnection&) {}), StorageError);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1900));

  // A waiter gets the connection as soon as one is returned (well within its 2 s).
  auto waiter = std::async(std::launch::async, [&] {
    return pool.run([](PgConnection& c) { return c.query("SELECT 1").int64(0, 0); });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  release.set_value();
  for (auto& h : holders) h.get();
  EXPECT_EQ(waiter.get(), 1);
}

TEST_F(PostgresStoreTest, InstancesStartingTogetherMigrateOnce) {
  PgTestDatabase fresh;
  std::vector<std::future<int>> starts;
  for (int i = 0; i < 4; ++i) {
    starts.push_back(std::async(std::launch::async, [&] {
      PostgresStorage instance(fresh.conninfo());
      return instance.migrate();
    }));
  }
  for (auto& s : starts) EXPECT_EQ(s.get(), storage_->migrate());
  PostgresStorage check(fresh.conninfo());
  EXPECT_EQ(PostgresBackend::scalar(check, "SELECT COUNT(*) FROM schema_migrations"),
            storage_->migrate());
}
