// Reading and log queries: filters, newest-first order, paging, counts, on every backend.
#include <gtest/gtest.h>

#include "../support/ingest_batch_samples.hpp"
#include "../support/store_backends.hpp"

using namespace blazeiot;
using namespace blazeiot::test;

template <class Backend>
class QueryStoreTest : public StoreTest<Backend> {
 protected:
  // 50 readings and 50 logs, 10 ms apart from t=1000; every 5th reading is a node's.
  void SetUp() override {
    StoreTest<Backend>::SetUp();
    if (this->IsSkipped() || this->HasFatalFailure()) return;
    IngestBatch b;
    for (int i = 0; i < 50; ++i) {
      EpochMs at = 1000 + i * 10;
      Reading r = i % 5 == 0 ? node_reading("aa:bb", "G1", at)
                             : device_reading(i % 2 ? "D1" : "D2", at, std::nullopt);
      r.type = i % 3 == 0 ? "temperature" : "";
      if (i % 4) r.value = i * 1.5;
      r.data_json = R"({"i":)" + std::to_string(i) + "}";
      if (i == 7) r.device_time = 5;
      b.readings.push_back(r);
      b.logs.push_back(log_entry(i % 2 ? "mqtt" : "device", "m" + std::to_string(i), at,
                                 i % 10 == 0 ? "warn" : "info"));
    }
    this->storage().telemetry().apply(b);
  }
};
TYPED_TEST_SUITE(QueryStoreTest, StoreBackends, BackendNames);

TYPED_TEST(QueryStoreTest, ReadingsNewestFirstWithPaging) {
  ReadingQuery q;
  q.limit = 5;
  auto rows = this->storage().readings().find(q);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].received_at, 1490);
  EXPECT_EQ(rows[4].received_at, 1450);
  q.offset = 48;
  rows = this->storage().readings().find(q);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].received_at, 1000);
  EXPECT_EQ(this->storage().readings().count(q), 50);  // paging does not change the count
  q.offset = 50;
  EXPECT_TRUE(this->storage().readings().find(q).empty());
}

TYPED_TEST(QueryStoreTest, ReadingsWithTheSameTimeComeNewestIdFirst) {
  IngestBatch b;
  for (int i = 0; i < 3; ++i)
    b.readings.push_back(device_reading("same", 5000, i, "{\"n\":" + std::to_string(i) + "}"));
  this->storage().telemetry().apply(b);
  ReadingQuery q;
  q.source_id = "same";
  auto rows = this->storage().readings().find(q);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].data_json, "{\"n\":2}");
  EXPECT_GT(rows[0].id, rows[1].id);
  EXPECT_GT(rows[1].id, rows[2].id);
}

TYPED_TEST(QueryStoreTest, ReadingFiltersCombine) {
  ReadingStore& readings = this->storage().readings();
  ReadingQuery q;
  q.limit = 1000;
  q.source_type = SourceType::device;
  q.source_id = "D1";
  auto d1 = readings.find(q);
  EXPECT_EQ(static_cast<std::int64_t>(d1.size()), readings.count(q));
  for (const auto& r : d1) EXPECT_EQ(r.source_id, "D1");
  EXPECT_EQ(d1.size(), 20u);  // odd i, not a multiple of 5

  q.from = 1200;
  q.to = 1300;
  for (const auto& r : readings.find(q)) {
    EXPECT_GE(r.received_at, 1200);
    EXPECT_LE(r.received_at, 1300);
  }
  EXPECT_EQ(readings.count(q), 4);  // i = 21, 23, 27, 29 (25 is a node's)

  ReadingQuery g;
  g.gateway_id = "G1";
  EXPECT_EQ(readings.count(g), 10);
  g.source_type = SourceType::node;
  g.source_id = "aa:bb";
  EXPECT_EQ(readings.count(g), 10);
  ReadingQuery t;
  t.type = "temperature";
  EXPECT_EQ(readings.count(t), 17);
  ReadingQuery none;
  none.source_id = "nobody";
  EXPECT_EQ(readings.count(none), 0);
  EXPECT_TRUE(readings.find(none).empty());
}

TYPED_TEST(QueryStoreTest, ReadingFieldsRoundTrip) {
  ReadingQuery q;
  q.from = q.to = 1070;  // i == 7
  auto rows = this->storage().readings().find(q);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].data_json, R"({"i":7})");
  EXPECT_EQ(rows[0].device_time, 5);
  EXPECT_DOUBLE_EQ(*rows[0].value, 10.5);
  EXPECT_TRUE(rows[0].gateway_id.empty());
  EXPECT_TRUE(rows[0].type.empty());
  q.from = q.to = 1080;  // i == 8: no value
  EXPECT_FALSE(this->storage().readings().find(q).at(0).value);
}

TYPED_TEST(QueryStoreTest, LogsFilterPageAndCount) {
  LogStore& logs = this->storage().logs();
  LogQuery q;
  q.limit = 3;
  auto rows = logs.find(q);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].message, "m49");
  EXPECT_EQ(rows[2].message, "m47");
  q.offset = 2;
  EXPECT_EQ(logs.find(q).at(0).message, "m47");
  EXPECT_EQ(logs.count(q), 50);
  q.category = "mqtt";
  q.level = "info";
  EXPECT_EQ(logs.count(q), 25);
  q.level = "warn";
  EXPECT_EQ(logs.count(q), 0);
  LogQuery warn;
  warn.level = "warn";
  EXPECT_EQ(logs.count(warn), 5);
  LogQuery window;
  window.from = 1100;
  window.to = 1199;
  EXPECT_EQ(logs.count(window), 10);
  window.limit = 100;
  for (const LogEntry& e : logs.find(window)) {
    EXPECT_GE(e.timestamp, 1100);
    EXPECT_LE(e.timestamp, 1199);
  }
}

TYPED_TEST(QueryStoreTest, RetentionDeletesTheOldestInChunks) {
  // 25 readings and 25 logs are older than 1250 (i = 0..24).
  ReadingStore& readings = this->storage().readings();
  EXPECT_EQ(readings.delete_older_than(1250, 10), 10);
  EXPECT_EQ(readings.delete_older_than(1250, 10), 10);
  EXPECT_EQ(readings.delete_older_than(1250, 10), 5);  // fewer than asked: none left
  EXPECT_EQ(readings.delete_older_than(1250, 10), 0);
  ReadingQuery all;
  all.limit = 1000;
  auto left = readings.find(all);
  ASSERT_EQ(left.size(), 25u);
  EXPECT_EQ(left.back().received_at, 1250);  // the cut-off itself is kept

  LogStore& logs = this->storage().logs();
  EXPECT_EQ(logs.delete_older_than(1250, 100), 25);
  LogQuery every;
  every.limit = 1000;
  auto kept = logs.find(every);
  ASSERT_EQ(kept.size(), 25u);
  EXPECT_EQ(kept.back().timestamp, 1250);
}

TYPED_TEST(QueryStoreTest, RetentionReachesMonthsBack) {
  // On PostgreSQL whole months go as partitions, the rest of a month row by row.
  const EpochMs jan = 1705320000000;  // 2024-01-15
  const EpochMs mar = 1710504000000;  // 2024-03-15
  IngestBatch b;
  for (int i = 0; i < 30; ++i)
    b.readings.push_back(device_reading("Old", (i < 10 ? jan : mar) + i, std::nullopt));
  this->storage().telemetry().apply(b);
  ReadingQuery old;
  old.source_id = "Old";
  ASSERT_EQ(this->storage().readings().count(old), 30);
  while (this->storage().readings().delete_older_than(mar + 15, 4) == 4) {
  }
  EXPECT_EQ(this->storage().readings().count(old), 15);  // mar + 15 .. mar + 29
  ReadingQuery all;
  EXPECT_EQ(this->storage().readings().count(all), 15);  // the fixture's 1970 ones went too
}
