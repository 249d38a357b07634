#pragma once
#include "storage/device_store.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace blazeiot {

class SqliteDeviceStore final : public DeviceStore {
 public:
  explicit SqliteDeviceStore(SqliteDatabase& db) : db_(db) {}

  std::vector<Device> list(const DeviceFilter& filter) override;
  std::optional<Device> find(std::string_view device_id) override;
  bool create(const Device& device) override;
  std::optional<Device> update(std::string_view device_id, const DeviceChanges& changes,
                               EpochMs now) override;
  bool remove(std::string_view device_id) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace blazeiot
