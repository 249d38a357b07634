// SQLite implementations of the device, gateway, node and stats stores.
#include <gtest/gtest.h>

#include "domain/ingest_batch.hpp"
#include "test_http_support.hpp"

namespace blazeiot {
namespace {

using testing::TempDir;

class SqliteInventoryTest : public ::testing::Test {
 protected:
  void SetUp() override { storage.migrate(); }

  void sight(EntityKind kind, std::string id, std::string gateway = "") {
    IngestBatch b;
    b.sightings.push_back({kind, std::move(id), std::move(gateway), "auto", "ble", 1000});
    storage.telemetry().apply(b);
  }
  void reading(SourceType type, std::string id, std::string gateway = "") {
    IngestBatch b;
    Reading r;
    r.source_type = type;
    r.source_id = std::move(id);
    r.gateway_id = std::move(gateway);
    r.data_json = "{}";
    r.received_at = 2000;
    b.readings.push_back(r);
    storage.telemetry().apply(b);
  }
  std::int64_t reading_count() { return storage.readings().count(ReadingQuery{}); }

  TempDir dir;
  SqliteStorage storage{(dir.path() / "s.db").string()};
};

TEST_F(SqliteInventoryTest, DevicesCreateFindUpdateRemove) {
  Device d;
  d.device_id = "Device0001";
  d.name = "Boiler";
  d.metadata_json = R"({"a":1})";
  d.created_at = d.updated_at = 100;
  EXPECT_TRUE(storage.devices().create(d));
  EXPECT_FALSE(storage.devices().create(d));

  auto found = storage.devices().find("Device0001");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "Boiler");
  EXPECT_EQ(found->status, Presence::offline);
  EXPECT_FALSE(found->last_seen);

  DeviceChanges ch;
  ch.firmware_version = "2.0";
  auto updated = storage.devices().update("Device0001", ch, 200);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->firmware_version, "2.0");
  EXPECT_EQ(updated->name, "Boiler");
  EXPECT_EQ(updated->updated_at, 200);
  EXPECT_FALSE(storage.devices().update("Nope", ch, 200));

  reading(SourceType::device, "Device0001");
  reading(SourceType::device, "Other");
  EXPECT_TRUE(storage.devices().remove("Device0001"));
  EXPECT_FALSE(storage.devices().remove("Device0001"));
  EXPECT_FALSE(storage.devices().find("Device0001"));
  EXPECT_EQ(reading_count(), 1);  // only the removed device's readings went
}

TEST_F(SqliteInventoryTest, DeviceFilters) {
  sight(EntityKind::device, "A");  // online
  Device b;
  b.device_id = "B";
  b.type = "Temperature";
  storage.devices().create(b);
  EXPECT_EQ(storage.devices().list({}).size(), 2u);
  EXPECT_EQ(storage.devices().list({Presence::online, std::nullopt, {}}).size(), 1u);
  EXPECT_EQ(storage.devices().list({std::nullopt, "Temperature", {}}).at(0).device_id, "B");
}

TEST_F(SqliteInventoryTest, GatewaysCountNodesAndCascade) {
  sight(EntityKind::gateway, "G1");
  sight(EntityKind::node, "aa:bb", "G1");
  sight(EntityKind::node, "cc:dd", "G1");
  sight(EntityKind::gateway, "G2");
  sight(EntityKind::node, "aa:bb", "G2");
  reading(SourceType::node, "aa:bb", "G1");
  reading(SourceType::node, "aa:bb", "G2");

  auto g1 = storage.gateways().find("G1");
  ASSERT_TRUE(g1);
  EXPECT_EQ(g1->node_count, 2);
  auto all = storage.gateways().list({});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].node_count, 1);

  Gateway g;
  g.gateway_id = "G1";
  EXPECT_FALSE(storage.gateways().create(g));
  GatewayChanges ch;
  ch.name = "Hall";
  EXPECT_EQ(storage.gateways().update("G1", ch, 5)->name, "Hall");

  EXPECT_TRUE(storage.gateways().remove("G1"));
  EXPECT_EQ(storage.nodes().list({}).size(), 1u);
  EXPECT_EQ(reading_count(), 1);
  auto stats = storage.stats().inventory_counts();
  EXPECT_EQ(stats.gateways, 1);
  EXPECT_EQ(stats.nodes, 1);
  EXPECT_EQ(stats.nodes_online, 1);
}

TEST_F(SqliteInventoryTest, NodesByMacAndGateway) {
  sight(EntityKind::gateway, "G1");
  sight(EntityKind::gateway, "G2");
  sight(EntityKind::node, "aa:bb", "G1");
  sight(EntityKind::node, "aa:bb", "G2");
  NodeFilter by_mac;
  by_mac.mac = "aa:bb";
  EXPECT_EQ(storage.nodes().list(by_mac).size(), 2u);
  by_mac.gateway_id = "G2";
  auto one = storage.nodes().list(by_mac);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_GT(one[0].id, 0);

  NodeChanges ch;
  ch.name = "Freezer";
  auto updated = storage.nodes().update("aa:bb", "G2", ch, 9);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->node.name, "Freezer");
  EXPECT_EQ(storage.nodes().list({"G1", "aa:bb", std::nullopt, {}}).at(0).node.name, "auto");
  EXPECT_TRUE(storage.nodes().remove("aa:bb", "G2"));
  EXPECT_FALSE(storage.nodes().remove("aa:bb", "G2"));
  EXPECT_EQ(storage.nodes().list({}).size(), 1u);
}

}  // namespace
}  // namespace blazeiot
