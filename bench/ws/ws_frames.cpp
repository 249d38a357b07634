#include "ws_frames.hpp"

#include <array>
#include <random>
#include <stdexcept>

namespace blazeiot::bench {
namespace {

// A load generator may receive any amount, but never a frame bigger than this from /ws.
constexpr std::uint64_t kMaxFramePayload = 64ull << 20;

std::string base64(const std::array<unsigned char, 16>& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t v = bytes[i] << 16 | bytes[i + 1] << 8 | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 63];
  }
  std::uint32_t v = bytes[i] << 16;  // 16 bytes: one left over, two '=' of padding
  out += kAlphabet[(v >> 18) & 63];
  out += kAlphabet[(v >> 12) & 63];
  out += "==";
  return out;
}

std::mt19937_64& random_engine() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return engine;
}

}  // namespace

std::string ws_upgrade_request(std::string_view host, std::string_view target) {
  std::array<unsigned char, 16> key{};
  for (auto& b : key) b = static_cast<unsigned char>(random_engine()());
  std::string request;
  request.reserve(256 + target.size());
  request.append("GET ").append(target).append(" HTTP/1.1\r\nHost: ").append(host);
  request.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
  request.append(base64(key)).append("\r\nSec-WebSocket-Version: 13\r\n\r\n");
  return request;
}

std::optional<std::size_t> http_head_length(std::string_view data) {
  auto end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) return std::nullopt;
  return end + 4;
}

std::string ws_client_frame(WsOpcode opcode, std::string_view payload) {
  std::string frame;
  frame.reserve(payload.size() + 14);
  frame += static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));
  const std::uint64_t n = payload.size();
  if (n < 126) {
    frame += static_cast<char>(0x80 | n);
  } else if (n <= 0xFFFF) {
    frame += static_cast<char>(0x80 | 126);
    frame += static_cast<char>(n >> 8);
    frame += static_cast<char>(n & 0xFF);
  } else {
    frame += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) frame += static_cast<char>((n >> shift) & 0xFF);
  }
  const std::uint32_t mask = static_cast<std::uint32_t>(random_engine()());
  const char key[4] = {static_cast<char>(mask >> 24), static_cast<char>(mask >> 16),
                       static_cast<char>(mask >> 8), static_cast<char>(mask)};
  frame.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) frame += static_cast<char>(payload[i] ^ key[i % 4]);
  return frame;
}

std::optional<std::size_t> parse_ws_frame(std::string_view data, WsFrame& frame) {
  if (data.size() < 2) return std::nullopt;
  const auto b0 = static_cast<std::uint8_t>(data[0]);
  const auto b1 = static_cast<std::uint8_t>(data[1]);
  if (b1 & 0x80) throw std::runtime_error("the server sent a masked frame");
  std::uint64_t n = b1 & 0x7F;
  std::size_t pos = 2;
  if (n == 126) {
    if (data.size() < 4) return std::nullopt;
    n = static_cast<std::uint8_t>(data[2]) << 8 | static_cast<std::uint8_t>(data[3]);
    pos = 4;
  } else if (n == 127) {
    if (data.size() < 10) return std::nullopt;
    n = 0;
    for (int i = 2; i < 10; ++i) n = n << 8 | static_cast<std::uint8_t>(data[i]);
    pos = 10;
  }
  if (n > kMaxFramePayload) throw std::runtime_error("frame larger than 64 MB");
  if (data.size() < pos + n) return std::nullopt;
  frame.fin = b0 & 0x80;
  frame.opcode = static_cast<WsOpcode>(b0 & 0x0F);
  frame.payload = data.substr(pos, n);
  return pos + n;
}

std::uint16_t ws_close_code(std::string_view payload) {
  if (payload.size() < 2) return 1005;
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(payload[0]) << 8 |
                                    static_cast<std::uint8_t>(payload[1]));
}

}  // namespace blazeiot::bench
