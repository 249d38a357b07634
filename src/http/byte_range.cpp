#include "http/byte_range.hpp"

#include <limits>
#include <optional>

#include "http/header_text.hpp"

namespace blazeiot {

namespace {

// 1*DIGIT. A value too large for 64 bits saturates rather than failing: it is still a
// well-formed range ("bytes=99999999999999999999999-" is merely unsatisfiable).
std::optional<std::uint64_t> parse_digits(std::string_view s) {
  if (s.empty()) return std::nullopt;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const unsigned d = static_cast<unsigned>(c - '0');
    v = v > (kMax - d) / 10 ? kMax : v * 10 + d;
  }
  return v;
}

bool iequals_bytes(std::string_view s) {
  if (s.size() != 5) return false;
  for (std::size_t i = 0; i < 5; ++i)
    if ((s[i] | 0x20) != "bytes"[i]) return false;
  return true;
}

// A strong entity-tag: DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text.
bool is_strong_etag(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  for (char ch : s.substr(1, s.size() - 2)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x21 || c == '"' || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

RangeRequest parse_range(std::string_view header, std::uint64_t size) {
  header = trim_ows(header);
  const std::size_t eq = header.find('=');
  if (eq == std::string_view::npos || !iequals_bytes(header.substr(0, eq))) return {};

  // range-set = 1#range-spec; empty list elements are allowed by the #rule (RFC 9110 5.6.1).
  std::string_view set = header.substr(eq + 1);
  std::string_view spec;
  int specs = 0;
  while (true) {
    const std::size_t comma = set.find(',');
    std::string_view element = trim_ows(set.substr(0, comma));
    if (!element.empty()) {
      ++specs;
      spec = element;
    }
    if (comma == std::string_view::npos) break;
    set.remove_prefix(comma + 1);
  }
  if (specs != 1) return {};  // none, or several ranges: serve the whole file

  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);

  RangeRequest out;
  if (first_text.empty()) {  // suffix-range: the last n bytes
    const auto n = parse_digits(last_text);
    if (!n) return {};
    if (*n == 0 || size == 0) {
      out.kind = RangeKind::unsatisfiable;
      return out;
    }
    out.kind = RangeKind::satisfiable;
    out.range = {*n >= size ? 0 : size - *n, size - 1};
    return out;
  }

  const auto first = parse_digits(first_text);
  if (!first) return {};
  std::uint64_t last = std::numeric_limits<std::uint64_t>::max();
  if (!last_text.empty()) {
    const auto parsed = parse_digits(last_text);
    if (!parsed || *parsed < *first) return {};  // invalid range-spec: ignore the header
    last = *parsed;
  }
  if (*first >= size) {
    out.kind = RangeKind::unsatisfiable;
    return out;
  }
  out.kind = RangeKind::satisfiable;
  out.range = {*first, last >= size ? size - 1 : last};
  return out;
}

bool if_range_matches(std::string_view if_range, std::string_view etag) {
  if_range = trim_ows(if_range);
  etag = trim_ows(etag);
  return is_strong_etag(if_range) && is_strong_etag(etag) && if_range == etag;
}

}  // namespace blazeiot
