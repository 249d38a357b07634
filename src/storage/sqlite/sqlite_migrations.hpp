#pragma once
#include <span>
#include <string_view>

#include "storage/migration.hpp"

namespace blazeiot {

// Ordered, append-only: a released migration is never edited, a change is a new entry.
std::span<const Migration> sqlite_migrations();

}  // namespace blazeiot
