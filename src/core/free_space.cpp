#include "core/free_space.hpp"

#include <sys/statvfs.h>

namespace blazeiot {

std::optional<std::uint64_t> free_space(const std::string& path) {
  struct statvfs s {};
  if (::statvfs(path.c_str(), &s) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(s.f_bavail) * s.f_frsize;
}

std::string mib_text(std::uint64_t bytes) {
  return std::to_string(bytes / (1024 * 1024)) + " MiB";
}

}  // namespace blazeiot
