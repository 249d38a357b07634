#pragma once
// Optional whitespace (OWS, RFC 9110 5.6.3) in header field values.
#include <string_view>

namespace blazeiot {

inline bool is_ows(char c) { return c == ' ' || c == '\t'; }

inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace blazeiot
