// The MQTT frame reader and packet decoders on arbitrary bytes from a (hostile) broker,
// fed in chunks whose sizes the input also chooses.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "ingest/mqtt_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace blazeiot::mqtt;
  if (size < 1) return 0;
  std::size_t chunk = 1 + data[0] % 64;
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  FrameReader reader(512);
  std::vector<Frame> frames;
  for (std::size_t i = 0; i < bytes.size(); i += chunk) {
    if (!reader.feed(bytes.substr(i, chunk), frames)) break;
  }
  for (const Frame& f : frames) {
    if (!f.truncated && f.body.size() != f.full_size) __builtin_trap();
    if (f.body.size() > 65539 + 512) __builtin_trap();
    (void)decode_publish(f);
    (void)decode_connack(f);
    (void)decode_packet_id(f);
    (void)decode_suback_codes(f);
  }
  return 0;
}
