#pragma once
// What makes a username, an e-mail address or a password acceptable. Shared by the API and
// the seed-admin command so both refuse the same things. Each returns a message, or nothing.
#include <optional>
#include <string>
#include <string_view>

namespace blazeiot {

inline constexpr std::size_t kMinPasswordLength = 8;
inline constexpr std::size_t kMaxPasswordLength = 256;

std::optional<std::string> username_problem(std::string_view username);
std::optional<std::string> email_problem(std::string_view email);
std::optional<std::string> password_problem(std::string_view password);

}  // namespace blazeiot
