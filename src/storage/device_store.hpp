#pragma once
// Devices as the API manages them (the ingest creates them through TelemetryStore).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities.hpp"
#include "storage/row_page.hpp"

namespace blazeiot {

struct DeviceFilter {
  std::optional<Presence> status;
  std::optional<std::string> type;
  RowPage page;
};

// Fields an operator may change; unset fields keep their value.
struct DeviceChanges {
  std::optional<std::string> name;
  std::optional<std::string> type;
  std::optional<std::string> firmware_version;
  std::optional<std::string> metadata_json;
};

class DeviceStore {
 public:
  virtual ~DeviceStore() = default;

  virtual std::vector<Device> list(const DeviceFilter& filter) = 0;
  virtual std::optional<Device> find(std::string_view device_id) = 0;
  // False when a device with this id already exists (nothing is changed then).
  virtual bool create(const Device& device) = 0;
  // The device after the change, or nothing when it does not exist.
  virtual std::optional<Device> update(std::string_view device_id, const DeviceChanges& changes,
                                       EpochMs now) = 0;
  // Removes the device and its readings. False when it does not exist.
  virtual bool remove(std::string_view device_id) = 0;
};

}  // namespace blazeiot
