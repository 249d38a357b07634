#pragma once
#include "storage/device_store.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace blazeiot {

class PostgresDeviceStore final : public DeviceStore {
 public:
  explicit PostgresDeviceStore(PgPool& pool) : pool_(pool) {}

  std::vector<Device> list(const DeviceFilter& filter) override;
  std::optional<Device> find(std::string_view device_id) override;
  bool create(const Device& device) override;
  std::optional<Device> update(std::string_view device_id, const DeviceChanges& changes,
                               EpochMs now) override;
  bool remove(std::string_view device_id) override;

 private:
  PgPool& pool_;
};

}  // namespace blazeiot
