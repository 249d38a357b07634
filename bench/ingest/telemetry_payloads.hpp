#pragma once
// Topics and payloads shaped like the field traffic the platform ingests: direct devices on
// SensorData/<device_id> and BLE gateways reporting beacons on BLEGatewayData/<gateway_id>.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace blazeiot::bench {

enum class TelemetryKind { sensor_data, ble_gateway };

// "sensor" or "ble".
std::optional<TelemetryKind> parse_telemetry_kind(std::string_view name);

class TelemetryPayloads {
 public:
  // Values are pseudo-random but reproducible for a given seed.
  TelemetryPayloads(TelemetryKind kind, std::uint64_t seed);

  // Message number `index` rotates over 50 devices, or 5 gateways x 20 beacons, so the
  // platform sees a realistic spread of sources rather than one hot row.
  void make(std::uint64_t index, std::string& topic, std::string& payload);

 private:
  void make_sensor_data(std::uint64_t index, std::string& topic, std::string& payload);
  void make_ble_gateway(std::uint64_t index, std::string& topic, std::string& payload);
  double uniform(double low, double high);

  TelemetryKind kind_;
  std::uint64_t state_;
};

}  // namespace blazeiot::bench
