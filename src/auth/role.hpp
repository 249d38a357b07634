#pragma once
// The two roles: admins may do everything, viewers may only read.
#include <optional>
#include <string_view>

namespace blazeiot {

enum class Role { viewer, admin };

inline const char* to_string(Role r) { return r == Role::admin ? "admin" : "viewer"; }

inline std::optional<Role> parse_role(std::string_view s) {
  if (s == "admin") return Role::admin;
  if (s == "viewer") return Role::viewer;
  return std::nullopt;
}

}  // namespace blazeiot
