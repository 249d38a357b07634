#include "storage/sqlite/sqlite_migrations.hpp"

namespace blazeiot {
namespace {

// Timestamps are INTEGER milliseconds since the Unix epoch (UTC): compact, indexable, and
// converted to ISO 8601 only at the API edge.
constexpr Migration kMigrations[] = {
    {1, "initial schema", R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_login INTEGER
);

CREATE TABLE devices (
  device_id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  type TEXT NOT NULL DEFAULT '',
  firmware_version TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'offline')),
  last_seen INTEGER,
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX devices_status ON devices(status);

CREATE TABLE gateways (
  gateway_id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  type TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'offline')),
  last_seen INTEGER,
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE nodes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  mac TEXT NOT NULL,
  gateway_id TEXT NOT NULL REFERENCES gateways(gateway_id) ON DELETE CASCADE,
  name TEXT NOT NULL DEFAULT '',
  type TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'offline')),
  last_seen INTEGER,
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (mac, gateway_id)
);
CREATE INDEX nodes_gateway ON nodes(gateway_id);

CREATE TABLE sensor_data (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  source_type TEXT NOT NULL CHECK (source_type IN ('device', 'node')),
  source_id TEXT NOT NULL,
  gateway_id TEXT,
  type TEXT,
  value REAL,
  data TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  device_timestamp INTEGER
);
CREATE INDEX sensor_data_source_time ON sensor_data(source_type, source_id, timestamp);
CREATE INDEX sensor_data_time ON sensor_data(timestamp);
CREATE INDEX sensor_data_gateway_time ON sensor_data(gateway_id, timestamp)
  WHERE gateway_id IS NOT NULL;

CREATE TABLE firmware (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  version TEXT NOT NULL,
  device_type TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  filename TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  signature TEXT NOT NULL DEFAULT '',
  uploaded_by TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  UNIQUE (device_type, version)
);

CREATE TABLE ota_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id TEXT NOT NULL,
  firmware_id INTEGER REFERENCES firmware(id) ON DELETE SET NULL,
  firmware_version TEXT NOT NULL DEFAULT '',
  campaign_id INTEGER,
  status TEXT NOT NULL,
  progress INTEGER,
  error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  completed_at INTEGER
);
CREATE INDEX ota_history_device ON ota_history(device_id, created_at);

CREATE TABLE commands (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  command_id TEXT NOT NULL UNIQUE,
  device_id TEXT NOT NULL,
  command TEXT NOT NULL,
  params TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL,
  result TEXT,
  created_by TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER
);
CREATE INDEX commands_device ON commands(device_id, created_at);

CREATE TABLE logs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  category TEXT NOT NULL,
  level TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL,
  details TEXT NOT NULL DEFAULT '{}',
  timestamp INTEGER NOT NULL
);
CREATE INDEX logs_time ON logs(timestamp);
CREATE INDEX logs_category_time ON logs(category, timestamp);
)sql"},
    {2, "signed firmware manifests, OTA campaigns, OTA and command indexes, token revocation",
     R"sql(
ALTER TABLE firmware ADD COLUMN manifest TEXT NOT NULL DEFAULT '';

-- Tokens issued before this instant (ms) are refused: set when the password changes.
ALTER TABLE users ADD COLUMN tokens_valid_after INTEGER NOT NULL DEFAULT 0;

-- A finished campaign outlives its firmware: the version stays, the id goes NULL.
CREATE TABLE ota_campaigns (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  firmware_id INTEGER REFERENCES firmware(id) ON DELETE SET NULL,
  firmware_version TEXT NOT NULL,
  device_type TEXT NOT NULL DEFAULT '',
  per_minute INTEGER NOT NULL,
  max_failure_ratio REAL NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'stopped', 'halted')),
  reason TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL DEFAULT '',
  base_url TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
);

CREATE TABLE ota_campaign_targets (
  campaign_id INTEGER NOT NULL REFERENCES ota_campaigns(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  device_id TEXT NOT NULL,
  PRIMARY KEY (campaign_id, device_id),
  UNIQUE (campaign_id, position)
);

-- A campaign's updates (progress, and which targets have one yet).
CREATE INDEX ota_history_campaign ON ota_history(campaign_id, device_id);
-- Deleting a firmware sets its history rows' firmware_id NULL, and firmware_in_use asks.
CREATE INDEX ota_history_firmware ON ota_history(firmware_id);
-- Only open updates can time out, and few are open at any time.
CREATE INDEX ota_history_open ON ota_history(created_at) WHERE completed_at IS NULL;
CREATE INDEX commands_status_expiry ON commands(status, expires_at);
)sql"},
};

}  // namespace

std::span<const Migration> sqlite_migrations() { return kMigrations; }

}  // namespace blazeiot
