#pragma once
// The firmware registry's records (the files themselves live in UPLOAD_DIR).
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "domain/ota.hpp"

namespace blazeiot {

class FirmwareStore {
 public:
  virtual ~FirmwareStore() = default;

  // The stored record with its id, or nothing when (device_type, version) already exists.
  virtual std::optional<Firmware> create(const Firmware& firmware) = 0;
  // Newest first; only one device type when given.
  virtual std::vector<Firmware> list(std::optional<std::string_view> device_type) = 0;
  virtual std::optional<Firmware> find(std::int64_t id) = 0;
  // Every firmware with this version (one per device type).
  virtual std::vector<Firmware> find_version(std::string_view version) = 0;
  // False when it does not exist.
  virtual bool remove(std::int64_t id) = 0;
};

}  // namespace blazeiot
