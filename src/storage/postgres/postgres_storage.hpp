#pragma once
// PostgreSQL through libpq: the same stores as SQLite, over a connection pool with a
// dedicated ingest writer. Connections are opened on first use, so an unreachable server
// shows up as a StorageError from the first call (migrate() at start-up) and the stores
// recover by themselves once it is back.
#include <memory>
#include <string>

#include "storage/cached_user_store.hpp"
#include "storage/postgres/pg_pool.hpp"
#include "storage/postgres/postgres_command_store.hpp"
#include "storage/postgres/postgres_device_store.hpp"
#include "storage/postgres/postgres_firmware_store.hpp"
#include "storage/postgres/postgres_gateway_store.hpp"
#include "storage/postgres/postgres_log_store.hpp"
#include "storage/postgres/postgres_node_store.hpp"
#include "storage/postgres/postgres_ota_store.hpp"
#include "storage/postgres/postgres_reading_store.hpp"
#include "storage/postgres/postgres_stats_store.hpp"
#include "storage/postgres/postgres_telemetry_store.hpp"
#include "storage/postgres/postgres_user_store.hpp"
#include "storage/storage.hpp"

namespace blazeiot {

class PostgresStorage final : public Storage {
 public:
  explicit PostgresStorage(std::string conninfo, PgPoolOptions options = {});

  // Also makes sure this month's and the next months' sensor_data partitions exist.
  int migrate() override;
  std::string kind() const override { return "postgres"; }
  std::int64_t size_bytes() override;
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

  PgPool& pool() { return pool_; }

 private:
  PgPool pool_;
  PostgresTelemetryStore telemetry_{pool_};
  PostgresDeviceStore devices_{pool_};
  PostgresGatewayStore gateways_{pool_};
  PostgresNodeStore nodes_{pool_};
  PostgresReadingStore readings_{pool_};
  PostgresLogStore logs_{pool_};
  PostgresUserStore stored_users_{pool_};
  CachedUserStore users_{stored_users_};
  PostgresStatsStore stats_{pool_};
  PostgresFirmwareStore firmware_{pool_};
  PostgresOtaStore ota_{pool_};
  PostgresCommandStore commands_{pool_};
};

// conninfo: a postgresql:// URI or a libpq key=value string (Config::database_url).
std::unique_ptr<Storage> make_postgres_storage(const std::string& conninfo);

}  // namespace blazeiot
