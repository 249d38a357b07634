#include "storage/sqlite/sqlite_storage.hpp"

namespace blazeiot {

SqliteStorage::SqliteStorage(const std::string& path) : db_(path), telemetry_(db_) {}

}  // namespace blazeiot
