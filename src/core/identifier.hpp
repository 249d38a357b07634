#pragma once
// Rules for identifiers that come from devices and clients (device, gateway, node ids).
#include <string_view>

namespace blazeiot {

inline constexpr std::size_t kMaxIdLength = 128;

// An id is 1..128 bytes with no MQTT wildcard or level separator (/ + #) and no control
// characters, so it can be put back into a topic (OTA/<id>/update) and a log line safely.
// The caller guarantees valid UTF-8 (Boost.JSON rejects invalid UTF-8 while parsing).
bool is_valid_identifier(std::string_view id);

}  // namespace blazeiot
