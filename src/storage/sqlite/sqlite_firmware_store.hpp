#pragma once
#include "storage/firmware_store.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace blazeiot {

class SqliteFirmwareStore final : public FirmwareStore {
 public:
  explicit SqliteFirmwareStore(SqliteDatabase& db) : db_(db) {}

  std::optional<Firmware> create(const Firmware& firmware) override;
  std::vector<Firmware> list(std::optional<std::string_view> device_type) override;
  std::optional<Firmware> find(std::int64_t id) override;
  std::vector<Firmware> find_version(std::string_view version) override;
  bool remove(std::int64_t id) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace blazeiot
