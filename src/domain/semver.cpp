#include "domain/semver.hpp"

#include <algorithm>
#include <limits>

namespace blazeiot {

namespace {

constexpr std::size_t kMaxLength = 64;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_ident_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

bool all_digits(std::string_view s) { return std::all_of(s.begin(), s.end(), is_digit); }

// A numeric field: digits, no leading zero, fits in 64 bits.
std::optional<std::uint64_t> parse_number(std::string_view s) {
  if (s.empty() || !all_digits(s) || (s.size() > 1 && s.front() == '0')) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    const unsigned d = static_cast<unsigned>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

std::vector<std::string> split_identifiers(std::string_view s, bool numeric_rules, bool& ok) {
  std::vector<std::string> out;
  while (true) {
    const std::size_t dot = s.find('.');
    const std::string_view id = s.substr(0, dot);
    if (id.empty() || !std::all_of(id.begin(), id.end(), is_ident_char) ||
        (numeric_rules && all_digits(id) && id.size() > 1 && id.front() == '0')) {
      ok = false;
      return {};
    }
    out.emplace_back(id);
    if (dot == std::string_view::npos) return out;
    s.remove_prefix(dot + 1);
  }
}

// Numeric identifiers have no leading zeros, so the longer one is the larger; this also
// orders identifiers too long for any integer type.
int compare_numeric(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

int compare_identifier(const std::string& a, const std::string& b) {
  const bool an = all_digits(a);
  const bool bn = all_digits(b);
  if (an && bn) return compare_numeric(a, b);
  if (an != bn) return an ? -1 : 1;  // numeric identifiers rank below alphanumeric ones
  const int c = a.compare(b);         // ASCII order
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

template <class T>
int three_way(T a, T b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

}  // namespace

std::optional<SemVer> parse_semver(std::string_view text) {
  if (text.empty() || text.size() > kMaxLength) return std::nullopt;
  SemVer v;
  bool ok = true;
  if (const std::size_t plus = text.find('+'); plus != std::string_view::npos) {
    v.build = split_identifiers(text.substr(plus + 1), false, ok);  // leading zeros allowed
    text = text.substr(0, plus);
  }
  if (const std::size_t dash = text.find('-'); dash != std::string_view::npos) {
    v.prerelease = split_identifiers(text.substr(dash + 1), true, ok);
    text = text.substr(0, dash);
  }
  if (!ok) return std::nullopt;

  std::optional<std::uint64_t> parts[3];
  for (int i = 0; i < 3; ++i) {
    const std::size_t dot = text.find('.');
    if ((i < 2) == (dot == std::string_view::npos)) return std::nullopt;  // exactly 2 dots
    parts[i] = parse_number(text.substr(0, dot));
    if (!parts[i]) return std::nullopt;
    if (dot != std::string_view::npos) text.remove_prefix(dot + 1);
  }
  v.major = *parts[0];
  v.minor = *parts[1];
  v.patch = *parts[2];
  return v;
}

int compare_semver(const SemVer& a, const SemVer& b) {
  if (int c = three_way(a.major, b.major)) return c;
  if (int c = three_way(a.minor, b.minor)) return c;
  if (int c = three_way(a.patch, b.patch)) return c;
  // A pre-release ranks below the release it precedes.
  if (a.prerelease.empty() || b.prerelease.empty())
    return three_way(a.prerelease.empty(), b.prerelease.empty());
  const std::size_t n = std::min(a.prerelease.size(), b.prerelease.size());
  for (std::size_t i = 0; i < n; ++i)
    if (int c = compare_identifier(a.prerelease[i], b.prerelease[i])) return c;
  return three_way(a.prerelease.size(), b.prerelease.size());  // more identifiers rank higher
}

std::string to_string(const SemVer& v) {
  std::string out = std::to_string(v.major) + "." + std::to_string(v.minor) + "." +
                    std::to_string(v.patch);
  auto join = [&out](char lead, const std::vector<std::string>& ids) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      out += i == 0 ? lead : '.';
      out += ids[i];
    }
  };
  join('-', v.prerelease);
  join('+', v.build);
  return out;
}

}  // namespace blazeiot
