// Devices, gateways, nodes and the inventory counts as the API manages them, on every backend.
#include <gtest/gtest.h>

#include "../support/ingest_batch_samples.hpp"
#include "../support/store_backends.hpp"

using namespace blazeiot;
using namespace blazeiot::test;

template <class Backend>
class InventoryStoreTest : public StoreTest<Backend> {
 protected:
  void sight(EntityKind kind, const std::string& id, const std::string& gateway = "") {
    IngestBatch b;
    b.sightings.push_back(sighting(kind, id, kT0, gateway, "auto", "ble"));
    this->storage().telemetry().apply(b);
  }
  void reading(SourceType type, const std::string& id, const std::string& gateway = "") {
    IngestBatch b;
    b.readings.push_back(type == SourceType::device ? device_reading(id, kT0, 1.0)
                                                    : node_reading(id, gateway, kT0));
    this->storage().telemetry().apply(b);
  }
  std::int64_t reading_count() { return this->storage().readings().count({}); }
};
TYPED_TEST_SUITE(InventoryStoreTest, StoreBackends, BackendNames);

TYPED_TEST(InventoryStoreTest, DevicesCreateFindUpdateRemove) {
  DeviceStore& devices = this->storage().devices();
  Device d;
  d.device_id = "Device0001";
  d.name = "Boiler";
  d.metadata_json = R"({"a":1})";
  d.created_at = d.updated_at = 100;
  EXPECT_TRUE(devices.create(d));
  EXPECT_FALSE(devices.create(d));

  auto found = devices.find("Device0001");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "Boiler");
  EXPECT_EQ(found->metadata_json, R"({"a":1})");
  EXPECT_EQ(found->status, Presence::offline);
  EXPECT_FALSE(found->last_seen);
  EXPECT_EQ(found->created_at, 100);
  EXPECT_FALSE(devices.find("device0001"));  // ids are case-sensitive

  DeviceChanges ch;
  ch.firmware_version = "2.0";
  ch.metadata_json = R"({"b":2})";
  auto updated = devices.update("Device0001", ch, 200);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->firmware_version, "2.0");
  EXPECT_EQ(updated->metadata_json, R"({"b":2})");
  EXPECT_EQ(updated->name, "Boiler");
  EXPECT_EQ(updated->updated_at, 200);
  EXPECT_EQ(devices.find("Device0001")->firmware_version, "2.0");
  EXPECT_FALSE(devices.update("Nope", ch, 200));

  this->reading(SourceType::device, "Device0001");
  this->reading(SourceType::device, "Other");
  EXPECT_TRUE(devices.remove("Device0001"));
  EXPECT_FALSE(devices.remove("Device0001"));
  EXPECT_FALSE(devices.find("Device0001"));
  EXPECT_EQ(this->reading_count(), 1);  // only the removed device's readings went
}

TYPED_TEST(InventoryStoreTest, DeviceListFiltersAndOrder) {
  this->sight(EntityKind::device, "b-online");
  for (const char* id : {"C", "a", "B"}) {
    Device d;
    d.device_id = id;
    d.type = std::string(id) == "a" ? "Temperature" : "";
    d.created_at = d.updated_at = 1;
    this->storage().devices().create(d);
  }
  std::vector<std::string> ids;
  for (const Device& d : this->storage().devices().list({})) ids.push_back(d.device_id);
  // Byte order on both backends, whatever the database's locale.
  EXPECT_EQ(ids, (std::vector<std::string>{"B", "C", "a", "b-online"}));
  EXPECT_EQ(this->storage().devices().list({Presence::online, std::nullopt, {}}).size(), 1u);
  EXPECT_EQ(this->storage().devices().list({Presence::offline, std::nullopt, {}}).size(), 3u);
  auto typed = this->storage().devices().list({std::nullopt, "Temperature", {}});
  ASSERT_EQ(typed.size(), 1u);
  EXPECT_EQ(typed[0].device_id, "a");
  EXPECT_TRUE(this->storage().devices().list({Presence::online, "Temperature", {}}).empty());

  // A page: from the second in the list's order, at most two.
  DeviceFilter page;
  page.page = RowPage{2, 1};
  ids.clear();
  for (const Device& d : this->storage().devices().list(page)) ids.push_back(d.device_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"C", "a"}));
  page.page = RowPage{10, 4};
  EXPECT_TRUE(this->storage().devices().list(page).empty());
  page.status = Presence::offline;
  page.page = RowPage{1, 2};
  ASSERT_EQ(this->storage().devices().list(page).size(), 1u);
  EXPECT_EQ(this->storage().devices().list(page)[0].device_id, "a");
}

TYPED_TEST(InventoryStoreTest, GatewaysCountTheirNodesAndTakeThemAlongWhenRemoved) {
  this->sight(EntityKind::gateway, "G1");
  this->sight(EntityKind::node, "aa:bb", "G1");
  this->sight(EntityKind::node, "cc:dd", "G1");
  this->sight(EntityKind::gateway, "G2");
  this->sight(EntityKind::node, "aa:bb", "G2");
  this->reading(SourceType::node, "aa:bb", "G1");
  this->reading(SourceType::node, "aa:bb", "G2");

  GatewayStore& gateways = this->storage().gateways();
  auto g1 = gateways.find("G1");
  ASSERT_TRUE(g1);
  EXPECT_EQ(g1->node_count, 2);
  EXPECT_EQ(g1->status, Presence::online);
  EXPECT_EQ(g1->type, "ble");
  auto all = gateways.list({});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].gateway_id, "G1");
  EXPECT_EQ(all[1].node_count, 1);
  EXPECT_EQ(gateways.list({std::nullopt, "lora", {}}).size(), 0u);
  auto second = gateways.list({std::nullopt, std::nullopt, RowPage{5, 1}});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].gateway_id, "G2");
  // The nodes of a list in (gateway, mac) order, a page of them.
  auto nodes = this->storage().nodes().list({std::nullopt, std::nullopt, std::nullopt, {2, 1}});
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].node.gateway_id + "/" + nodes[0].node.mac, "G1/cc:dd");
  EXPECT_EQ(nodes[1].node.gateway_id + "/" + nodes[1].node.mac, "G2/aa:bb");

  Gateway g;
  g.gateway_id = "G1";
  EXPECT_FALSE(gateways.create(g));
  g.gateway_id = "G3";
  g.type = "lora";
  EXPECT_TRUE(gateways.create(g));
  EXPECT_EQ(gateways.find("G3")->node_count, 0);
  GatewayChanges ch;
  ch.name = "Hall";
  auto updated = gateways.update("G1", ch, 5);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->name, "Hall");
  EXPECT_EQ(updated->node_count, 2);
  EXPECT_EQ(updated->updated_at, 5);
  EXPECT_FALSE(gateways.update("G9", ch, 5));

  EXPECT_TRUE(gateways.remove("G1"));
  EXPECT_FALSE(gateways.remove("G1"));
  EXPECT_EQ(this->storage().nodes().list({}).size(), 1u);
  EXPECT_EQ(this->reading_count(), 1);
}

TYPED_TEST(InventoryStoreTest, NodesAreKeyedByMacAndGateway) {
  this->sight(EntityKind::gateway, "G1");
  this->sight(EntityKind::gateway, "G2");
  this->sight(EntityKind::node, "aa:bb", "G1");
  this->sight(EntityKind::node, "aa:bb", "G2");
  this->reading(SourceType::node, "aa:bb", "G1");
  this->reading(SourceType::node, "aa:bb", "G2");
  NodeStore& nodes = this->storage().nodes();
  NodeFilter by_mac;
  by_mac.mac = "aa:bb";
  auto both = nodes.list(by_mac);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].node.gateway_id, "G1");
  EXPECT_NE(both[0].id, both[1].id);
  by_mac.gateway_id = "G2";
  auto one = nodes.list(by_mac);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_GT(one[0].id, 0);
  EXPECT_EQ(one[0].node.status, Presence::online);
  EXPECT_EQ(one[0].node.last_seen, kT0);

  NodeChanges ch;
  ch.name = "Freezer";
  auto updated = nodes.update("aa:bb", "G2", ch, 9);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->id, one[0].id);
  EXPECT_EQ(updated->node.name, "Freezer");
  EXPECT_EQ(updated->node.updated_at, 9);
  EXPECT_EQ(nodes.list({"G1", "aa:bb", std::nullopt, {}}).at(0).node.name, "auto");
  EXPECT_FALSE(nodes.update("aa:bb", "G9", ch, 9));

  EXPECT_TRUE(nodes.remove("aa:bb", "G2"));
  EXPECT_FALSE(nodes.remove("aa:bb", "G2"));
  EXPECT_EQ(nodes.list({}).size(), 1u);
  EXPECT_EQ(this->reading_count(), 1);  // G1's node keeps its reading
  EXPECT_EQ(nodes.list({std::nullopt, std::nullopt, Presence::offline, {}}).size(), 0u);
}

TYPED_TEST(InventoryStoreTest, InventoryCounts) {
  EXPECT_EQ(this->storage().stats().inventory_counts().devices, 0);
  this->sight(EntityKind::device, "d1");
  this->sight(EntityKind::device, "d2");
  this->sight(EntityKind::gateway, "G1");
  this->sight(EntityKind::node, "n1", "G1");
  this->sight(EntityKind::node, "n2", "G1");
  IngestBatch offline;
  offline.presence.push_back({EntityKind::device, "d2", "", Presence::offline, kT0 + 1});
  offline.presence.push_back({EntityKind::node, "n1", "G1", Presence::offline, kT0 + 1});
  this->storage().telemetry().apply(offline);

  InventoryCounts n = this->storage().stats().inventory_counts();
  EXPECT_EQ(n.devices, 2);
  EXPECT_EQ(n.devices_online, 1);
  EXPECT_EQ(n.gateways, 1);
  EXPECT_EQ(n.gateways_online, 1);
  EXPECT_EQ(n.nodes, 2);
  EXPECT_EQ(n.nodes_online, 1);
}
