#pragma once
#include <memory>
#include <string>

#include "storage/sqlite/sqlite_database.hpp"
#include "storage/sqlite/sqlite_telemetry_store.hpp"
#include "storage/storage.hpp"

namespace blazeiot {

class SqliteStorage final : public Storage {
 public:
  explicit SqliteStorage(const std::string& path);

  int migrate() override { return db_.migrate(); }
  std::string kind() const override { return "sqlite"; }
  std::int64_t size_bytes() override { return db_.size_bytes(); }
  TelemetryStore& telemetry() override { return telemetry_; }

  SqliteDatabase& database() { return db_; }

 private:
  SqliteDatabase db_;
  SqliteTelemetryStore telemetry_;
};

}  // namespace blazeiot
