#pragma once
#include <string_view>

namespace blazeiot {

// One schema step. Each backend keeps an ordered, append-only list: a released migration is
// never edited, a change is a new entry.
struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

}  // namespace blazeiot
