#include "auth/account_rules.hpp"

#include <algorithm>

namespace blazeiot {
namespace {
bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
}  // namespace

std::optional<std::string> username_problem(std::string_view u) {
  if (u.size() < 3 || u.size() > 64) return "must be 3 to 64 characters";
  if (!std::all_of(u.begin(), u.end(), [](char c) {
        return is_alnum(c) || c == '_' || c == '-' || c == '.' || c == '@';
      }))
    return "may contain only letters, digits, '_', '-', '.' and '@'";
  return std::nullopt;
}

std::optional<std::string> email_problem(std::string_view e) {
  if (e.size() > 254) return "must be at most 254 characters";
  const auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= e.size() ||
      e.find('@', at + 1) != std::string_view::npos ||
      e.find('.', at + 1) == std::string_view::npos || e.back() == '.')
    return "must be an e-mail address";
  for (unsigned char c : e)
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' || c == '\\' || c == ',')
      return "must be an e-mail address";
  return std::nullopt;
}

std::optional<std::string> password_problem(std::string_view p) {
  if (p.size() < kMinPasswordLength)
    return "must be at least " + std::to_string(kMinPasswordLength) + " characters";
  if (p.size() > kMaxPasswordLength)
    return "must be at most " + std::to_string(kMaxPasswordLength) + " characters";
  if (p.find('\0') != std::string_view::npos) return "must not contain NUL characters";
  return std::nullopt;
}

}  // namespace blazeiot
