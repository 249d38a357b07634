#pragma once
// Semantic Versioning 2.0.0 (https://semver.org) for firmware versions: the platform must
// decide whether an image is newer than what a device runs, and plain string order gets that
// wrong ("1.10.0" < "1.9.0"). Versions are stored exactly as given, so a leading "v" is not
// accepted rather than silently dropped.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace blazeiot {

struct SemVer {
  std::uint64_t major = 0;
  std::uint64_t minor = 0;
  std::uint64_t patch = 0;
  std::vector<std::string> prerelease;  // dot-separated identifiers after '-'
  std::vector<std::string> build;       // after '+'; ignored by compare_semver
};

// MAJOR.MINOR.PATCH[-prerelease][+build], at most 64 characters. Numbers and numeric
// prerelease identifiers have no leading zeros; identifiers are non-empty [0-9A-Za-z-].
std::optional<SemVer> parse_semver(std::string_view text);

// Precedence (semver.org item 11): negative, zero or positive like strcmp. Build metadata does
// not count, so two versions differing only in it compare equal.
int compare_semver(const SemVer& a, const SemVer& b);

// The canonical text, equal to the parsed input (parse_semver accepts only canonical forms).
std::string to_string(const SemVer& v);

}  // namespace blazeiot
