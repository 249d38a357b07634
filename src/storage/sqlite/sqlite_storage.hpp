#pragma once
#include <memory>
#include <string>

#include "storage/cached_user_store.hpp"
#include "storage/sqlite/sqlite_database.hpp"
#include "storage/sqlite/sqlite_command_store.hpp"
#include "storage/sqlite/sqlite_device_store.hpp"
#include "storage/sqlite/sqlite_firmware_store.hpp"
#include "storage/sqlite/sqlite_gateway_store.hpp"
#include "storage/sqlite/sqlite_log_store.hpp"
#include "storage/sqlite/sqlite_node_store.hpp"
#include "storage/sqlite/sqlite_ota_store.hpp"
#include "storage/sqlite/sqlite_reading_store.hpp"
#include "storage/sqlite/sqlite_stats_store.hpp"
#include "storage/sqlite/sqlite_telemetry_store.hpp"
#include "storage/sqlite/sqlite_user_store.hpp"
#include "storage/storage.hpp"

namespace blazeiot {

class SqliteStorage final : public Storage {
 public:
  explicit SqliteStorage(const std::string& path);

  int migrate() override { return db_.migrate(); }
  std::string kind() const override { return "sqlite"; }
  std::int64_t size_bytes() override { return db_.size_bytes(); }
  TelemetryStore& telemetry() override { return telemetry_; }
  DeviceStore& devices() override { return devices_; }
  GatewayStore& gateways() override { return gateways_; }
  NodeStore& nodes() override { return nodes_; }
  ReadingStore& readings() override { return readings_; }
  LogStore& logs() override { return logs_; }
  UserStore& users() override { return users_; }
  StatsStore& stats() override { return stats_; }
  FirmwareStore& firmware() override { return firmware_; }
  OtaStore& ota() override { return ota_; }
  CommandStore& commands() override { return commands_; }

  SqliteDatabase& database() { return db_; }

 private:
  SqliteDatabase db_;
  SqliteTelemetryStore telemetry_;
  SqliteDeviceStore devices_{db_};
  SqliteGatewayStore gateways_{db_};
  SqliteNodeStore nodes_{db_};
  SqliteReadingStore readings_{db_};
  SqliteLogStore logs_{db_};
  SqliteUserStore stored_users_{db_};
  CachedUserStore users_{stored_users_};
  SqliteStatsStore stats_{db_};
  SqliteFirmwareStore firmware_{db_};
  SqliteOtaStore ota_{db_};
  SqliteCommandStore commands_{db_};
};

}  // namespace blazeiot
