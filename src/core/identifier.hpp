#pragma once
// Rules for identifiers that come from devices and clients (device, gateway, node ids).
#include <string_view>

namespace blazeiot {

inline constexpr std::size_t kMaxIdLength = 128;

// An id is 1..128 bytes with no MQTT wildcard or level separator (/ + #) and no control
// characters, so it can be put back into a topic (OTA/<id>/update) and a log line safely.
// The caller guarantees valid UTF-8 (Boost.JSON rejects invalid UTF-8 while parsing).
bool is_valid_identifier(std::string_view id);

// Whether every character is an ASCII letter, an ASCII digit or one of `extra`: the plain
// names (device types, command names, file names, host names) that may reach paths, topics
// and URLs.
bool is_alnum_or(std::string_view s, std::string_view extra);

}  // namespace blazeiot
