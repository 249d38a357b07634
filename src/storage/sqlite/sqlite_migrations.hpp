#pragma once
#include <span>
#include <string_view>

namespace blazeiot {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

// Ordered, append-only: a released migration is never edited, a change is a new entry.
std::span<const Migration> sqlite_migrations();

}  // namespace blazeiot
