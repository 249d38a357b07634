// Topic routing and payload parsing on arbitrary input. Input: "<topic>\0<payload>"; without
// a NUL, the first byte picks one of the subscribed topic shapes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/message_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* kTopics[] = {"SensorData/Device0001", "BLEGatewayData/GW1",
                                  "LoRaGatewayData/LG1",   "OTA/Device0001/response",
                                  "SensorData/Device0001/status", "BLEGatewayData/GW1/status",
                                  "SensorData",            "Unknown/x"};
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view topic, payload;
  if (auto nul = input.find('\0'); nul != std::string_view::npos) {
    topic = input.substr(0, nul);
    payload = input.substr(nul + 1);
  } else if (!input.empty()) {
    topic = kTopics[static_cast<unsigned char>(input[0]) % 8];
    payload = input.substr(1);
  }
  blazeiot::ParseLimits limits;
  limits.max_payload = 4096;
  auto result = blazeiot::parse_message(topic, payload, 1'700'000'000'000, limits);
  if (auto* parsed = std::get_if<blazeiot::ParsedMessage>(&result)) {
    // Whatever is accepted must carry valid ids (they go back into topics and logs).
    for (const auto& s : parsed->sightings)
      if (s.id.empty() || s.id.size() > 128 || s.id.find_first_of("/+#") != std::string::npos)
        __builtin_trap();
  }
  return 0;
}
