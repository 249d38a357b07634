#pragma once
#include "storage/firmware_store.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace blazeiot {

class PostgresFirmwareStore final : public FirmwareStore {
 public:
  explicit PostgresFirmwareStore(PgPool& pool) : pool_(pool) {}

  std::optional<Firmware> create(const Firmware& firmware) override;
  std::vector<Firmware> list(std::optional<std::string_view> device_type) override;
  std::optional<Firmware> find(std::int64_t id) override;
  std::vector<Firmware> find_version(std::string_view version) override;
  bool remove(std::int64_t id) override;

 private:
  PgPool& pool_;
};

}  // namespace blazeiot
