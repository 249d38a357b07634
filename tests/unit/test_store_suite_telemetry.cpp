// The ingest side of storage (TelemetryStore), migrations and size, on every backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include "../support/ingest_batch_samples.hpp"
#include "../support/store_backends.hpp"

using namespace blazeiot;
using namespace blazeiot::test;

namespace {
constexpr EpochMs kDay = 24LL * 3600 * 1000;

const KnownEntity* find_entity(const std::vector<KnownEntity>& all, EntityKind kind,
                               const std::string& id) {
  auto it = std::find_if(all.begin(), all.end(),
                         [&](const KnownEntity& e) { return e.kind == kind && e.id == id; });
  return it == all.end() ? nullptr : &*it;
}
}  // namespace

template <class Backend>
using TelemetryStoreTest = StoreTest<Backend>;
TYPED_TEST_SUITE(TelemetryStoreTest, StoreBackends, BackendNames);

TYPED_TEST(TelemetryStoreTest, MigrateIsIdempotentAndKeepsData) {
  IngestBatch b;
  b.sightings.push_back(sighting(EntityKind::device, "Device0001", kT0));
  this->storage().telemetry().apply(b);

  EXPECT_EQ(this->storage().migrate(), this->schema_version_);
  // A second instance starting on the same database finds nothing to do either.
  EXPECT_EQ(this->open_another()->migrate(), this->schema_version_);
  EXPECT_EQ(this->scalar("SELECT COUNT(*) FROM schema_migrations"), this->schema_version_);
  EXPECT_TRUE(this->storage().devices().find("Device0001"));
}

TYPED_TEST(TelemetryStoreTest, SizeBytesGrowsWithData) {
  std::int64_t before = this->storage().size_bytes();
  EXPECT_GT(before, 0);
  IngestBatch b;
  const std::string payload = "{\"temperature\":21.5,\"pad\":\"" + std::string(400, 'x') + "\"}";
  for (int i = 0; i < 5000; ++i)
    b.readings.push_back(device_reading("Device0001", kT0 + i, 21.5, payload));
  this->storage().telemetry().apply(b);
  EXPECT_GT(this->storage().size_bytes(), before + 1'000'000);
}

TYPED_TEST(TelemetryStoreTest, SightingsCreateDevicesGatewaysAndNodesOnline) {
  IngestBatch b;
  b.sightings.push_back(sighting(EntityKind::device, "Device0001", kT0, "", "Device0001", "esp32"));
  b.sightings.push_back(sighting(EntityKind::gateway, "BLEGateway0001", kT0 + 1, "", "", "ble"));
  b.sightings.push_back(sighting(EntityKind::node, "58:8c:81:ab:a6:16", kT0 + 2, "BLEGateway0001",
                                 "TempHumBeacon4", "ble"));
  this->storage().telemetry().apply(b);

  auto all = this->storage().telemetry().load_entities();
  ASSERT_EQ(all.size(), 3u);
  const KnownEntity* node = find_entity(all, EntityKind::node, "58:8c:81:ab:a6:16");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->gateway_id, "BLEGateway0001");
  EXPECT_EQ(node->status, Presence::online);
  EXPECT_EQ(node->last_seen, kT0 + 2);
  const KnownEntity* gateway = find_entity(all, EntityKind::gateway, "BLEGateway0001");
  ASSERT_NE(gateway, nullptr);
  EXPECT_EQ(gateway->gateway_id, "");
  EXPECT_EQ(gateway->last_seen, kT0 + 1);

  auto device = this->storage().devices().find("Device0001");
  ASSERT_TRUE(device);
  EXPECT_EQ(device->type, "esp32");
  EXPECT_EQ(device->status, Presence::online);
  EXPECT_EQ(device->created_at, kT0);
  EXPECT_EQ(device->last_seen, kT0);
  EXPECT_EQ(device->metadata_json, "{}");
}

TYPED_TEST(TelemetryStoreTest, SightingOfAKnownEntityKeepsItsNameAndOnlyAdvancesLastSeen) {
  IngestBatch first;
  first.sightings.push_back(sighting(EntityKind::device, "d1", kT0, "", "original", "t1"));
  this->storage().telemetry().apply(first);

  IngestBatch later;
  later.sightings.push_back(sighting(EntityKind::device, "d1", kT0 + 5000, "", "renamed", "t2"));
  this->storage().telemetry().apply(later);
  auto d = this->storage().devices().find("d1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->name, "original");
  EXPECT_EQ(d->type, "t1");
  EXPECT_EQ(d->last_seen, kT0 + 5000);
  EXPECT_EQ(d->created_at, kT0);

  // A late batch (older sighting) does not move last_seen back.
  IngestBatch stale;
  stale.sightings.push_back(sighting(EntityKind::device, "d1", kT0 + 1000));
  this->storage().telemetry().apply(stale);
  EXPECT_EQ(this->storage().devices().find("d1")->last_seen, kT0 + 5000);
}

TYPED_TEST(TelemetryStoreTest, ReadingsRoundTripEveryField) {
  // Characters COPY's text format must escape, and some it must not touch.
  const std::string tricky = "{\"note\":\"tab\\there\",\"raw\":\"a\tb\nc\\\\d\r\",\"u\":\"é✓\"}";
  IngestBatch b;
  Reading r1 = device_reading("Device0001", kT0, 0.1, tricky, "Temperature");
  r1.device_time = kT0 - 42;
  b.readings.push_back(r1);
  b.readings.push_back(device_reading("Device0001", kT0 + 1, std::nullopt, "{}"));
  b.readings.push_back(device_reading("Device0001", kT0 + 2, -1.2345678901234567e-300, "{}"));
  b.readings.push_back(node_reading("58:8c:81:ab:a6:16", "BLEGateway0001", kT0 + 3,
                                    "{\"rssi\":-70}"));
  this->storage().telemetry().apply(b);

  ReadingQuery all;
  auto out = this->storage().readings().find(all);
  ASSERT_EQ(out.size(), 4u);
  // Newest first.
  EXPECT_EQ(out[0].source_type, SourceType::node);
  EXPECT_EQ(out[0].source_id, "58:8c:81:ab:a6:16");
  EXPECT_EQ(out[0].gateway_id, "BLEGateway0001");
  EXPECT_EQ(out[0].data_json, "{\"rssi\":-70}");
  EXPECT_FALSE(out[0].value);
  EXPECT_EQ(out[1].value, -1.2345678901234567e-300);
  EXPECT_FALSE(out[2].value);
  EXPECT_EQ(out[2].type, "");
  EXPECT_FALSE(out[2].device_time);
  const Reading& first = out[3];
  EXPECT_EQ(first.source_type, SourceType::device);
  EXPECT_EQ(first.source_id, "Device0001");
  EXPECT_EQ(first.gateway_id, "");
  EXPECT_EQ(first.type, "Temperature");
  EXPECT_EQ(first.value, 0.1);
  EXPECT_EQ(first.data_json, tricky);
  EXPECT_EQ(first.received_at, kT0);
  EXPECT_EQ(first.device_time, kT0 - 42);
  EXPECT_GT(first.id, 0);
}

TYPED_TEST(TelemetryStoreTest, BatchesOfEverySizeStoreEveryReadingInOrder) {
  // Sizes around the SQLite writer's rows per statement (32): remainders, exact multiples,
  // several statements plus a remainder. Each reading differs in every field, so a row bound
  // to the wrong parameter slot shows.
  std::int64_t n = 0;
  for (int size : {1, 2, 31, 32, 33, 64, 65, 100}) {
    IngestBatch b;
    for (int i = 0; i < size; ++i, ++n) {
      const std::string tag = std::to_string(n);
      Reading r = n % 3 == 0 ? node_reading("mac" + tag, "gw" + tag, kT0 + n)
                             : device_reading("dev" + tag, kT0 + n, std::nullopt);
      r.data_json = "{\"n\":" + tag + "}";
      if (n % 2 == 0) r.value = static_cast<double>(n) + 0.5;
      if (n % 5 == 0) r.type = "type" + tag;
      if (n % 7 == 0) r.device_time = kT0 - n;
      b.readings.push_back(std::move(r));
    }
    this->storage().telemetry().apply(b);
  }
  ReadingQuery all;
  all.limit = 1000;
  auto out = this->storage().readings().find(all);  // newest first
  ASSERT_EQ(static_cast<std::int64_t>(out.size()), n);
  std::reverse(out.begin(), out.end());
  for (std::int64_t i = 0; i < n; ++i) {
    const Reading& r = out[static_cast<std::size_t>(i)];
    const std::string tag = std::to_string(i);
    SCOPED_TRACE("reading " + tag);
    if (i > 0) {
      EXPECT_GT(r.id, out[static_cast<std::size_t>(i - 1)].id);  // ids follow arrival
    }
    EXPECT_EQ(r.source_type, i % 3 == 0 ? SourceType::node : SourceType::device);
    EXPECT_EQ(r.source_id, (i % 3 == 0 ? "mac" : "dev") + tag);
    EXPECT_EQ(r.gateway_id, i % 3 == 0 ? "gw" + tag : "");
    EXPECT_EQ(r.type, i % 5 == 0 ? "type" + tag : "");
    EXPECT_EQ(r.value, i % 2 == 0 ? std::optional<double>(static_cast<double>(i) + 0.5)
                                  : std::nullopt);
    EXPECT_EQ(r.data_json, "{\"n\":" + tag + "}");
    EXPECT_EQ(r.received_at, kT0 + i);
    EXPECT_EQ(r.device_time, i % 7 == 0 ? std::optional<EpochMs>(kT0 - i) : std::nullopt);
  }
}

TYPED_TEST(TelemetryStoreTest, InterleavedSourcesKeepEachSourcesOrder) {
  // One batch, three sources taking turns, all in the same millisecond: the writer may store
  // the sources in any order, but each source's readings in the order they came (the id
  // breaks the tie between equal timestamps).
  IngestBatch b;
  for (int i = 0; i < 99; ++i) {
    const std::string tag = std::to_string(i);
    Reading r = i % 3 == 2 ? node_reading("mac", "gw", kT0)
                           : device_reading(i % 3 == 0 ? "a" : "b", kT0, i);
    r.data_json = "{\"n\":" + tag + "}";
    b.readings.push_back(std::move(r));
  }
  this->storage().telemetry().apply(b);
  ReadingQuery all;
  all.limit = 1000;
  EXPECT_EQ(this->storage().readings().find(all).size(), 99u);
  for (int source = 0; source < 3; ++source) {
    ReadingQuery q;
    q.source_type = source == 2 ? SourceType::node : SourceType::device;
    q.source_id = source == 0 ? "a" : source == 1 ? "b" : "mac";
    q.limit = 1000;
    auto out = this->storage().readings().find(q);  // newest first
    ASSERT_EQ(out.size(), 33u) << "source " << source;
    for (std::size_t k = 0; k < out.size(); ++k)
      EXPECT_EQ(out[k].data_json, "{\"n\":" + std::to_string(source + 3 * (32 - k)) + "}")
          << "source " << source << ", newest-first position " << k;
  }
}

TYPED_TEST(TelemetryStoreTest, NodesOfInterleavedGatewaysKeepEachSourcesOrder) {
  // A BLE batch as gateways send it: two gateways' nodes and a device taking turns, all in
  // the same millisecond. The SQLite writer puts one gateway's nodes together; each source's
  // readings, and so each gateway's, must still come in the order they arrived.
  IngestBatch b;
  const std::string macs[4] = {"m1", "m2", "m3", "m4"};  // m1, m3 on gw1; m2, m4 on gw2
  for (int i = 0; i < 50; ++i) {
    Reading r = i % 5 == 4 ? device_reading("dev", kT0, std::nullopt)
                           : node_reading(macs[i % 5], i % 5 % 2 == 0 ? "gw1" : "gw2", kT0);
    r.data_json = "{\"n\":" + std::to_string(i) + "}";
    b.readings.push_back(std::move(r));
  }
  this->storage().telemetry().apply(b);
  auto numbers = [](const std::vector<Reading>& newest_first) {
    std::vector<std::string> out;
    for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it)
      out.push_back(it->data_json);
    return out;
  };
  auto expected = [](auto pick) {
    std::vector<std::string> out;
    for (int i = 0; i < 50; ++i)
      if (pick(i)) out.push_back("{\"n\":" + std::to_string(i) + "}");
    return out;
  };
  for (int m = 0; m < 4; ++m) {
    ReadingQuery q;
    q.source_type = SourceType::node;
    q.source_id = macs[m];
    q.limit = 1000;
    EXPECT_EQ(numbers(this->storage().readings().find(q)),
              expected([m](int i) { return i % 5 == m; }))
        << macs[m];
  }
  for (int g = 1; g <= 2; ++g) {
    ReadingQuery q;
    q.gateway_id = "gw" + std::to_string(g);
    q.limit = 1000;
    // Across sources the same millisecond has no order: compare as sets.
    auto got = numbers(this->storage().readings().find(q));
    auto want = expected([g](int i) { return i % 5 != 4 && i % 5 % 2 == (g == 1 ? 0 : 1); });
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want) << "gateway " << g;
    if (this->storage().kind() == "sqlite") {
      // The SQLite writer inserted each gateway's readings one after the other.
      auto rows = this->storage().readings().find(q);
      auto [lo, hi] = std::minmax_element(rows.begin(), rows.end(), [](auto& a, auto& b) {
        return a.id < b.id;
      });
      EXPECT_EQ(hi->id - lo->id + 1, static_cast<std::int64_t>(rows.size())) << "gateway " << g;
    }
  }
  ReadingQuery device;
  device.source_type = SourceType::device;
  device.source_id = "dev";
  device.limit = 1000;
  EXPECT_EQ(numbers(this->storage().readings().find(device)),
            expected([](int i) { return i % 5 == 4; }));
}

TYPED_TEST(TelemetryStoreTest, ReadingsInSeveralMonthsAllLand) {
  // On PostgreSQL each month is its own partition, made on demand.
  IngestBatch b;
  for (EpochMs at : {kT0 - 1000 * kDay, kT0, kT0 + 40 * kDay, kT0 + 4000 * kDay})
    b.readings.push_back(device_reading("d", at, 1.0));
  this->storage().telemetry().apply(b);
  EXPECT_EQ(this->storage().readings().count({}), 4);
  ReadingQuery window;
  window.from = kT0;
  window.to = kT0 + 41 * kDay;
  EXPECT_EQ(this->storage().readings().count(window), 2);
}

TYPED_TEST(TelemetryStoreTest, PresenceChangesApplyAfterSightings) {
  IngestBatch b;
  b.sightings.push_back(sighting(EntityKind::device, "d1", kT0));
  b.sightings.push_back(sighting(EntityKind::gateway, "g1", kT0));
  b.sightings.push_back(sighting(EntityKind::node, "n1", kT0, "g1"));
  b.presence.push_back({EntityKind::device, "d1", "", Presence::offline, kT0 + 10});
  b.presence.push_back({EntityKind::node, "n1", "g1", Presence::offline, kT0 + 10});
  this->storage().telemetry().apply(b);

  auto all = this->storage().telemetry().load_entities();
  EXPECT_EQ(find_entity(all, EntityKind::device, "d1")->status, Presence::offline);
  EXPECT_EQ(find_entity(all, EntityKind::gateway, "g1")->status, Presence::online);
  EXPECT_EQ(find_entity(all, EntityKind::node, "n1")->status, Presence::offline);
  EXPECT_EQ(this->storage().devices().find("d1")->updated_at, kT0 + 10);

  IngestBatch back;
  back.presence.push_back({EntityKind::device, "d1", "", Presence::online, kT0 + 20});
  back.presence.push_back({EntityKind::gateway, "g1", "", Presence::offline, kT0 + 20});
  // A presence change for something never stored changes nothing and is no error.
  back.presence.push_back({EntityKind::device, "ghost", "", Presence::offline, kT0 + 20});
  this->storage().telemetry().apply(back);
  all = this->storage().telemetry().load_entities();
  EXPECT_EQ(all.size(), 3u);
  EXPECT_EQ(find_entity(all, EntityKind::device, "d1")->status, Presence::online);
  EXPECT_EQ(find_entity(all, EntityKind::gateway, "g1")->status, Presence::offline);
}

TYPED_TEST(TelemetryStoreTest, OtaResponsesUpdateTheOpenRecordAndSuccessSetsFirmware) {
  IngestBatch seen;
  seen.sightings.push_back(sighting(EntityKind::device, "d1", kT0));
  this->storage().telemetry().apply(seen);

  // No open record: the report is kept as a new one.
  IngestBatch downloading;
  downloading.ota_responses.push_back(ota_response("d1", "downloading", kT0 + 1, "2.0.0", 10));
  this->storage().telemetry().apply(downloading);
  EXPECT_EQ(this->scalar("SELECT COUNT(*) FROM ota_history"), 1);
  EXPECT_EQ(this->scalar("SELECT progress FROM ota_history"), 10);
  EXPECT_EQ(this->scalar("SELECT completed_at FROM ota_history"), std::nullopt);

  // Progress without a version updates the same record and keeps its version.
  IngestBatch progress;
  progress.ota_responses.push_back(ota_response("d1", "downloading", kT0 + 2, "", 60));
  this->storage().telemetry().apply(progress);
  EXPECT_EQ(this->scalar("SELECT COUNT(*) FROM ota_history"), 1);
  EXPECT_EQ(this->scalar("SELECT progress FROM ota_history"), 60);
  EXPECT_EQ(this->text("SELECT firmware_version FROM ota_history"), "2.0.0");
  EXPECT_EQ(this->storage().devices().find("d1")->firmware_version, "");

  IngestBatch success;
  success.ota_responses.push_back(ota_response("d1", "success", kT0 + 3, "2.0.0"));
  this->storage().telemetry().apply(success);
  EXPECT_EQ(this->scalar("SELECT COUNT(*) FROM ota_history"), 1);
  EXPECT_EQ(this->text("SELECT status FROM ota_history"), "success");
  EXPECT_EQ(this->scalar("SELECT progress FROM ota_history"), 60);
  EXPECT_EQ(this->scalar("SELECT completed_at FROM ota_history"), kT0 + 3);
  auto d = this->storage().devices().find("d1");
  EXPECT_EQ(d->firmware_version, "2.0.0");
  EXPECT_EQ(d->updated_at, kT0 + 3);

  // The record is closed: a failure report afterwards starts a new one and leaves the
  // device's firmware alone.
  IngestBatch failed;
  OtaResponse f = ota_response("d1", "failed", kT0 + 4, "3.0.0");
  f.error = "checksum mismatch";
  failed.ota_responses.push_back(f);
  this->storage().telemetry().apply(failed);
  EXPECT_EQ(this->scalar("SELECT COUNT(*) FROM ota_history"), 2);
  EXPECT_EQ(this->text("SELECT error FROM ota_history WHERE status = 'failed'"),
            "checksum mismatch");
  EXPECT_EQ(this->storage().devices().find("d1")->firmware_version, "2.0.0");
}

TYPED_TEST(TelemetryStoreTest, LogsAreStored) {
  IngestBatch b;
  b.logs.push_back(log_entry("device", "Device d1 registered", kT0));
  LogEntry detailed = log_entry("mqtt", "rejected 3 messages", kT0 + 1, "warn");
  detailed.details_json = "{\"count\":3}";
  b.logs.push_back(detailed);
  this->storage().telemetry().apply(b);

  auto logs = this->storage().logs().find({});
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_EQ(logs[0].category, "mqtt");
  EXPECT_EQ(logs[0].level, "warn");
  EXPECT_EQ(logs[0].source, "test");
  EXPECT_EQ(logs[0].details_json, "{\"count\":3}");
  EXPECT_EQ(logs[0].timestamp, kT0 + 1);
  EXPECT_EQ(logs[1].message, "Device d1 registered");
  EXPECT_EQ(logs[1].details_json, "{}");
}

TYPED_TEST(TelemetryStoreTest, FailedBatchAppliesNothing) {
  IngestBatch bad;
  bad.sightings.push_back(sighting(EntityKind::device, "d1", kT0));
  // A node whose gateway does not exist breaks the foreign key, after the device went in.
  bad.sightings.push_back(sighting(EntityKind::node, "n1", kT0, "no-such-gateway"));
  bad.readings.push_back(device_reading("d1", kT0, 1.0));
  bad.logs.push_back(log_entry("device", "d1 registered", kT0));
  bad.ota_responses.push_back(ota_response("d1", "success", kT0, "9.9.9"));
  EXPECT_THROW(this->storage().telemetry().apply(bad), StorageError);

  EXPECT_TRUE(this->storage().telemetry().load_entities().empty());
  EXPECT_EQ(this->storage().readings().count({}), 0);
  EXPECT_EQ(this->storage().logs().count({}), 0);
  EXPECT_EQ(this->scalar("SELECT COUNT(*) FROM ota_history"), 0);

  // The store is still usable afterwards.
  IngestBatch good;
  good.sightings.push_back(sighting(EntityKind::device, "d1", kT0));
  good.readings.push_back(device_reading("d1", kT0, 1.0));
  this->storage().telemetry().apply(good);
  EXPECT_EQ(this->storage().readings().count({}), 1);
}

TYPED_TEST(TelemetryStoreTest, InstancesWritingTheSameEntitiesConcurrentlyAllSucceed) {
  // Several platform instances behind a shared subscription see the same devices: their
  // batches overlap, list entities in opposite orders, and change the presence of
  // entities they did not sight in the same batch.
  constexpr int kInstances = 3, kBatches = 20, kDevices = 30;
  auto name = [](int d) { return "dev" + std::to_string(d); };
  IngestBatch seed;
  for (int d = 0; d < kDevices; ++d) seed.sightings.push_back(sighting(EntityKind::device, name(d), kT0));
  this->storage().telemetry().apply(seed);

  std::vector<std::unique_ptr<Storage>> instances;
  for (int i = 0; i < kInstances; ++i) instances.push_back(this->open_another());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < kInstances; ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < kBatches; ++n) {
        IngestBatch b;
        EpochMs at = kT0 + 1000 + n * 100 + i;
        for (int k = 0; k < kDevices / 2; ++k) {
          int d = (i % 2 == 0) ? k : kDevices / 2 - 1 - k;
          b.sightings.push_back(sighting(EntityKind::device, name(d), at));
          b.readings.push_back(device_reading(name(d), at, 1.0));
          int other = (i % 2 == 0) ? kDevices / 2 + k : kDevices - 1 - k;
          b.presence.push_back({EntityKind::device, name(other), "", Presence::offline, at});
        }
        try {
          instances[i]->telemetry().apply(b);
        } catch (const StorageError& e) {
          ++failures;
          ADD_FAILURE() << "instance " << i << ": " << e.what();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(this->storage().devices().list({}).size(), std::size_t{kDevices});
  EXPECT_EQ(this->storage().readings().count({}), kInstances * kBatches * kDevices / 2);
  // The newest sighting wins whichever commit came last.
  EXPECT_EQ(this->storage().devices().find("dev0")->last_seen,
            kT0 + 1000 + (kBatches - 1) * 100 + (kInstances - 1));
  EXPECT_EQ(this->storage().devices().find(name(kDevices - 1))->status, Presence::offline);
}

TYPED_TEST(TelemetryStoreTest, IngestThroughputOf10kRowBatches) {
  // A measurement, printed; the assertions only check that every row landed.
  constexpr int kBatches = 10, kRows = 10'000, kDevices = 500;
  std::vector<IngestBatch> batches(kBatches);
  for (int n = 0; n < kBatches; ++n) {
    for (int k = 0; k < kDevices; ++k)
      batches[n].sightings.push_back(
          sighting(EntityKind::device, "Device" + std::to_string(k), kT0 + n));
    for (int r = 0; r < kRows; ++r) {
      std::string id = "Device" + std::to_string(r % kDevices);
      batches[n].readings.push_back(device_reading(
          id, kT0 + n, 20.0 + r % 100 / 10.0,
          "{\"device_id\":\"" + id + "\",\"type\":\"Temperature\",\"value\":" +
              std::to_string(20.0 + r % 100 / 10.0) + ",\"humidity\":48.2,\"battery\":3.7}",
          "Temperature"));
    }
  }
  auto start = std::chrono::steady_clock::now();
  for (const IngestBatch& b : batches) this->storage().telemetry().apply(b);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(this->storage().readings().count({}), std::int64_t{kBatches} * kRows);
  double rate = kBatches * kRows / seconds;
  std::cout << "[ measure  ] " << TypeParam::kName << ": " << kBatches << " batches of " << kRows
            << " readings + " << kDevices << " upserts in " << seconds << " s = "
            << static_cast<long long>(rate) << " rows/s\n";
  this->RecordProperty("rows_per_second", std::to_string(static_cast<long long>(rate)));
}
