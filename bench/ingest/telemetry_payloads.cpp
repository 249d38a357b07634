#include "telemetry_payloads.hpp"

#include <array>
#include <cstdio>
#include <ctime>

#include "mqtt_connection.hpp"

namespace blazeiot::bench {
namespace {

constexpr std::uint64_t kDeviceCount = 50;
constexpr std::uint64_t kGatewayCount = 5;
constexpr std::uint64_t kBeaconsPerGateway = 20;

struct SensorType {
  const char* name;
  double low;
  double high;
  int decimals;
};

constexpr std::array<SensorType, 5> kSensorTypes{{
    {"Temperature", 15.0, 35.0, 1},
    {"Humidity", 20.0, 80.0, 1},
    {"Pressure", 990.0, 1030.0, 1},
    {"CO2", 400.0, 1500.0, 0},
    {"Voltage", 3.0, 4.2, 2},
}};

// "2024-11-02T10:30:00.123Z", the form the original platform's devices send.
void format_iso8601_now(char (&out)[32]) {
  const std::int64_t ns = epoch_ns();
  const std::time_t seconds = static_cast<std::time_t>(ns / 1'000'000'000);
  const int millis = static_cast<int>((ns / 1'000'000) % 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  const std::size_t length = std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(out + length, sizeof out - length, ".%03dZ", millis);
}

}  // namespace

std::optional<TelemetryKind> parse_telemetry_kind(std::string_view name) {
  if (name == "sensor") return TelemetryKind::sensor_data;
  if (name == "ble") return TelemetryKind::ble_gateway;
  return std::nullopt;
}

TelemetryPayloads::TelemetryPayloads(TelemetryKind kind, std::uint64_t seed)
    : kind_(kind), state_(seed * 0x9E3779B97F4A7C15ULL + 1) {}

void TelemetryPayloads::make(std::uint64_t index, std::string& topic, std::string& payload) {
  if (kind_ == TelemetryKind::sensor_data) {
    make_sensor_data(index, topic, payload);
  } else {
    make_ble_gateway(index, topic, payload);
  }
}

void TelemetryPayloads::make_sensor_data(std::uint64_t index, std::string& topic,
                                         std::string& payload) {
  char device_id[16];
  std::snprintf(device_id, sizeof device_id, "Device%04u",
                static_cast<unsigned>(index % kDeviceCount + 1));
  const SensorType& type = kSensorTypes[(index / kDeviceCount) % kSensorTypes.size()];
  char timestamp[32];
  format_iso8601_now(timestamp);
  char buffer[256];
  const int length = std::snprintf(
      buffer, sizeof buffer,
      R"({"device_id":"%s","type":"%s","value":%.*f,"timestamp":"%s"})", device_id, type.name,
      type.decimals, uniform(type.low, type.high), timestamp);
  payload.assign(buffer, static_cast<std::size_t>(length));
  topic.assign("SensorData/").append(device_id);
}

void TelemetryPayloads::make_ble_gateway(std::uint64_t index, std::string& topic,
                                         std::string& payload) {
  const auto gateway = static_cast<unsigned>(index % kGatewayCount);
  const auto beacon = static_cast<unsigned>((index / kGatewayCount) % kBeaconsPerGateway);
  char gateway_id[24];
  std::snprintf(gateway_id, sizeof gateway_id, "BLEGateway%04u", gateway + 1);
  char buffer[320];
  const int length = std::snprintf(
      buffer, sizeof buffer,
      R"({"gateway_id":"%s","mac":"58:8c:81:%02x:%02x:%02x","beacon_name":"TempHumBeacon%u",)"
      R"("temperature":%.1f,"humidity":%d,"rssi":%d})",
      gateway_id, 0xa0 + gateway, 0xa6, 0x10 + beacon, beacon + 1, uniform(18.0, 28.0),
      static_cast<int>(uniform(30.0, 70.0)), static_cast<int>(uniform(-90.0, -40.0)));
  payload.assign(buffer, static_cast<std::size_t>(length));
  topic.assign("BLEGatewayData/").append(gateway_id);
}

double TelemetryPayloads::uniform(double low, double high) {
  // xorshift64*: cheap enough not to show up next to the MQTT work it feeds.
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  const std::uint64_t bits = state_ * 0x2545F4914F6CDD1DULL;
  return low + (high - low) * static_cast<double>(bits >> 11) / static_cast<double>(1ULL << 53);
}

}  // namespace blazeiot::bench
