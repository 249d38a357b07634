// The SQLite ingest writer on its own: CPU time per reading to apply batches shaped like the
// ingest benchmark's (SensorData: 50 devices; BLE: 5 gateways x 20 beacons), into the
// shipped schema and into the schema less one sensor_data index at a time, so the cost of
// each index shows. No broker, no parsing: only SqliteTelemetryStore::apply.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "storage/sqlite/sqlite_storage.hpp"

using namespace blazeiot;

namespace {

constexpr int kReadings = 200'000;
constexpr int kBatch = 10'000;  // what a saturated ingest commits at once
constexpr EpochMs kT0 = 1'764'000'000'000;

double thread_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

Reading reading(bool ble, int seq) {
  Reading r;
  r.received_at = kT0 + seq / 200;  // 200,000 readings a second
  if (ble) {
    const int gateway = seq % 5, beacon = seq / 5 % 20;
    char mac[24];
    std::snprintf(mac, sizeof mac, "58:8c:81:a0:%02x:%02x", gateway, beacon);
    r.source_type = SourceType::node;
    r.source_id = mac;
    r.gateway_id = "BLEGateway000" + std::to_string(gateway + 1);
    r.data_json = "{\"gateway_id\":\"" + r.gateway_id + "\",\"mac\":\"" + r.source_id +
                  "\",\"beacon_name\":\"TempHumBeacon1\",\"temperature\":22.1,\"humidity\":41,"
                  "\"rssi\":-60}";
  } else {
    char id[16];
    std::snprintf(id, sizeof id, "Device%04d", seq % 50 + 1);
    r.source_id = id;
    r.type = "Temperature";
    r.value = 23.4;
    r.device_time = kT0 - 5000;
    r.data_json = std::string("{\"device_id\":\"") + id +
                  "\",\"type\":\"Temperature\",\"value\":23.4,"
                  "\"timestamp\":\"2024-11-02T10:30:00.123Z\"}";
  }
  return r;
}

// CPU microseconds per reading to apply kReadings readings in batches of kBatch, after
// running `schema_change` on a fresh database.
double us_per_reading(bool ble, const std::string& schema_change, const std::string& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  SqliteStorage storage(dir + "/bench.db");
  storage.migrate();
  if (!schema_change.empty())
    storage.database().write([&](SqliteConnection& c) { c.exec(schema_change); });
  std::vector<IngestBatch> batches(kReadings / kBatch);
  for (int seq = 0; seq < kReadings; ++seq)
    batches[seq / kBatch].readings.push_back(reading(ble, seq));
  double cpu = 0;
  for (const IngestBatch& b : batches) {
    const double t0 = thread_cpu_s();
    storage.telemetry().apply(b);
    cpu += thread_cpu_s() - t0;
  }
  return cpu / kReadings * 1e6;
}

struct Variant {
  const char* name;
  const char* schema_change;
  bool ble_only;
};

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "/tmp/blazeiot-bench-store";
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
  const Variant variants[] = {
      {"as shipped", "", false},
      {"without (timestamp)", "DROP INDEX sensor_data_time", false},
      {"without (gateway_id, timestamp)", "DROP INDEX sensor_data_gateway_time", true},
      {"without (source_type, source_id, timestamp)", "DROP INDEX sensor_data_source_time",
       false},
      {"no index", "DROP INDEX sensor_data_time; DROP INDEX sensor_data_source_time;"
                   " DROP INDEX sensor_data_gateway_time", false},
  };
  std::printf("SQLite writer: %d readings in batches of %d, CPU us per reading (median of %d)\n",
              kReadings, kBatch, runs);
  std::printf("%-46s %10s %10s\n", "sensor_data", "SensorData", "BLE");
  for (const Variant& v : variants) {
    std::printf("%-46s", v.name);
    for (bool ble : {false, true}) {
      if (v.ble_only && !ble) {
        std::printf(" %10s", "-");
        continue;
      }
      std::vector<double> figures;
      for (int i = 0; i < runs; ++i) figures.push_back(us_per_reading(ble, v.schema_change, dir));
      std::sort(figures.begin(), figures.end());
      std::printf(" %10.2f", figures[figures.size() / 2]);
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  std::filesystem::remove_all(dir);
}
