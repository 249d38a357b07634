#pragma once
// The client side of RFC 6455 framing, as much as a load generator needs: the upgrade
// request, masked frames out, and unmasked frames in (the server never masks).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace blazeiot::bench {

enum class WsOpcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

struct WsFrame {
  WsOpcode opcode = WsOpcode::text;
  bool fin = true;
  std::string_view payload;  // points into the buffer parse_ws_frame was given
};

// GET <target> with the upgrade headers and a fresh Sec-WebSocket-Key.
std::string ws_upgrade_request(std::string_view host, std::string_view target);

// Length of the HTTP response head (through the blank line) once it is complete in `data`;
// nullopt while more bytes are needed.
std::optional<std::size_t> http_head_length(std::string_view data);

// One masked frame, ready to send.
std::string ws_client_frame(WsOpcode opcode, std::string_view payload);

// Parses the frame at the start of `data`: the bytes it occupies, or nullopt when it is
// not complete yet. Throws std::runtime_error on a masked or oversized server frame.
std::optional<std::size_t> parse_ws_frame(std::string_view data, WsFrame& frame);

// The status code of a close frame's payload (1005 when it carries none).
std::uint16_t ws_close_code(std::string_view payload);

}  // namespace blazeiot::bench
