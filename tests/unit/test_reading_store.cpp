// SQLite reading and log queries: filters, order, paging, counts.
#include <gtest/gtest.h>

#include "domain/ingest_batch.hpp"
#include "test_http_support.hpp"

namespace blazeiot {
namespace {

using testing::TempDir;

class SqliteReadingQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage.migrate();
    IngestBatch b;
    for (int i = 0; i < 50; ++i) {
      Reading r;
      r.source_type = i % 5 == 0 ? SourceType::node : SourceType::device;
      r.source_id = r.source_type == SourceType::node ? "aa:bb" : (i % 2 ? "D1" : "D2");
      if (r.source_type == SourceType::node) r.gateway_id = "G1";
      r.type = i % 3 == 0 ? "temperature" : "";
      if (i % 4) r.value = i * 1.5;
      r.data_json = R"({"i":)" + std::to_string(i) + "}";
      r.received_at = 1000 + i * 10;
      if (i == 7) r.device_time = 5;
      b.readings.push_back(r);
      LogEntry e;
      e.category = i % 2 ? "mqtt" : "device";
      e.level = i % 10 == 0 ? "warn" : "info";
      e.message = "m" + std::to_string(i);
      e.timestamp = 1000 + i * 10;
      b.logs.push_back(e);
    }
    storage.telemetry().apply(b);
  }
  TempDir dir;
  SqliteStorage storage{(dir.path() / "r.db").string()};
};

TEST_F(SqliteReadingQueryTest, NewestFirstWithPaging) {
  ReadingQuery q;
  q.limit = 5;
  auto rows = storage.readings().find(q);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].received_at, 1490);
  EXPECT_EQ(rows[4].received_at, 1450);
  q.offset = 48;
  rows = storage.readings().find(q);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].received_at, 1000);
  EXPECT_EQ(storage.readings().count(q), 50);
}

TEST_F(SqliteReadingQueryTest, FiltersCombine) {
  ReadingQuery q;
  q.limit = 1000;
  q.source_type = SourceType::device;
  q.source_id = "D1";
  auto d1 = storage.readings().find(q);
  EXPECT_EQ(static_cast<std::int64_t>(d1.size()), storage.readings().count(q));
  for (const auto& r : d1) EXPECT_EQ(r.source_id, "D1");
  EXPECT_EQ(d1.size(), 20u);  // odd i, not a multiple of 5

  q.from = 1200;
  q.to = 1300;
  for (const auto& r : storage.readings().find(q)) {
    EXPECT_GE(r.received_at, 1200);
    EXPECT_LE(r.received_at, 1300);
  }
  EXPECT_EQ(storage.readings().count(q), 4);  // i = 21, 23, 27, 29 (25 is a node)

  ReadingQuery g;
  g.gateway_id = "G1";
  EXPECT_EQ(storage.readings().count(g), 10);
  ReadingQuery t;
  t.type = "temperature";
  EXPECT_EQ(storage.readings().count(t), 17);
}

TEST_F(SqliteReadingQueryTest, FieldsRoundTrip) {
  ReadingQuery q;
  q.from = q.to = 1070;  // i == 7
  auto rows = storage.readings().find(q);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].data_json, R"({"i":7})");
  EXPECT_EQ(rows[0].device_time, 5);
  EXPECT_DOUBLE_EQ(*rows[0].value, 10.5);
  EXPECT_TRUE(rows[0].gateway_id.empty());
  q.from = q.to = 1080;  // i == 8: no value
  EXPECT_FALSE(storage.readings().find(q).at(0).value);
}

TEST_F(SqliteReadingQueryTest, Logs) {
  LogQuery q;
  q.limit = 3;
  auto rows = storage.logs().find(q);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].message, "m49");
  EXPECT_EQ(storage.logs().count(q), 50);
  q.category = "mqtt";
  q.level = "info";
  EXPECT_EQ(storage.logs().count(q), 25);
  q.level = "warn";
  EXPECT_EQ(storage.logs().count(q), 0);
  LogQuery window;
  window.from = 1100;
  window.to = 1199;
  EXPECT_EQ(storage.logs().count(window), 10);
}

}  // namespace
}  // namespace blazeiot
