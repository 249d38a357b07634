#include "core/identifier.hpp"

namespace blazeiot {

bool is_valid_identifier(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7f || c == '/' || c == '+' || c == '#') return false;
  }
  return true;
}

}  // namespace blazeiot
