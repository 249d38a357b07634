#pragma once
// How much the platform may still write on a filesystem.
#include <cstdint>
#include <optional>
#include <string>

namespace blazeiot {

// Bytes an unprivileged process may still write on the filesystem that holds `path` (root's
// reserved blocks do not count); nullopt when the filesystem cannot be asked.
std::optional<std::uint64_t> free_space(const std::string& path);

// "123 MiB": a size as log lines and the banner show it (rounded down).
std::string mib_text(std::uint64_t bytes);

}  // namespace blazeiot
