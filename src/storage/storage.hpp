#pragma once
// The storage a running platform uses: one interface per area, each implemented once per
// database. Code above storage depends only on these interfaces.
#include <cstdint>
#include <memory>
#include <string>

#include "storage/command_store.hpp"
#include "storage/device_store.hpp"
#include "storage/firmware_store.hpp"
#include "storage/gateway_store.hpp"
#include "storage/log_store.hpp"
#include "storage/node_store.hpp"
#include "storage/ota_store.hpp"
#include "storage/reading_store.hpp"
#include "storage/stats_store.hpp"
#include "storage/telemetry_store.hpp"
#include "storage/user_store.hpp"

namespace blazeiot {

class Storage {
 public:
  virtual ~Storage() = default;

  // Creates or upgrades the schema; returns the schema version.
  virtual int migrate() = 0;
  virtual std::string kind() const = 0;  // "sqlite" or "postgres"
  virtual std::int64_t size_bytes() = 0;

  virtual TelemetryStore& telemetry() = 0;

  // What the API reads and manages.
  virtual DeviceStore& devices() = 0;
  virtual GatewayStore& gateways() = 0;
  virtual NodeStore& nodes() = 0;
  virtual ReadingStore& readings() = 0;
  virtual LogStore& logs() = 0;
  virtual UserStore& users() = 0;
  virtual StatsStore& stats() = 0;
  virtual FirmwareStore& firmware() = 0;
  virtual OtaStore& ota() = 0;
  virtual CommandStore& commands() = 0;
};

}  // namespace blazeiot
