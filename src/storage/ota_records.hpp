#pragma once
// Firmware, OTA update, campaign and command rows as both backends select them: the column
// lists and the readers that turn one row into its record. Both schemas name these columns
// alike, so one definition serves SQLite and PostgreSQL; each backend passes its rows
// through a small adapter (SqliteRow, PgRow) offering text, int64, opt_int64 and float8.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "domain/ota.hpp"

namespace blazeiot::ota_records {

// The error an update gets when it is closed by the store rather than by its device.
inline constexpr const char* kSupersededError = "superseded";
inline constexpr const char* kTimedOutError = "no final answer in time";

inline constexpr const char* kFirmwareColumns =
    "id, version, device_type, description, filename, size, sha256, manifest, signature,"
    " uploaded_by, created_at";

template <class Row>
Firmware read_firmware(const Row& r) {
  Firmware f;
  f.id = r.int64(0);
  f.version = r.text(1);
  f.device_type = r.text(2);
  f.description = r.text(3);
  f.filename = r.text(4);
  f.size = r.int64(5);
  f.sha256 = r.text(6);
  f.manifest = r.text(7);
  f.signature = r.text(8);
  f.uploaded_by = r.text(9);
  f.created_at = r.int64(10);
  return f;
}

inline constexpr const char* kOtaUpdateColumns =
    "id, device_id, firmware_id, firmware_version, campaign_id, status, progress, error,"
    " created_at, updated_at, completed_at";

template <class Row>
OtaUpdate read_ota_update(const Row& r) {
  OtaUpdate u;
  u.id = r.int64(0);
  u.device_id = r.text(1);
  u.firmware_id = r.opt_int64(2);
  u.firmware_version = r.text(3);
  u.campaign_id = r.opt_int64(4);
  u.status = r.text(5);
  if (auto p = r.opt_int64(6)) u.progress = static_cast<int>(*p);
  u.error = r.text(7);
  u.created_at = r.int64(8);
  u.updated_at = r.int64(9);
  u.completed_at = r.opt_int64(10);
  return u;
}

inline constexpr const char* kCampaignColumns =
    "id, firmware_id, firmware_version, device_type, per_minute, max_failure_ratio, status,"
    " reason, created_by, base_url, created_at, updated_at, finished_at";

// Without device_ids: those live in ota_campaign_targets.
template <class Row>
Campaign read_campaign(const Row& r) {
  Campaign c;
  c.id = r.int64(0);
  // NULL once the firmware was deleted after the campaign ended.
  c.firmware_id = r.opt_int64(1).value_or(0);
  c.firmware_version = r.text(2);
  c.device_type = r.text(3);
  c.per_minute = static_cast<int>(r.int64(4));
  c.max_failure_ratio = r.float8(5);
  c.status = r.text(6);
  c.reason = r.text(7);
  c.created_by = r.text(8);
  c.base_url = r.text(9);
  c.created_at = r.int64(10);
  c.updated_at = r.int64(11);
  c.finished_at = r.opt_int64(12);
  return c;
}

// The columns of the campaign progress queries, in this order.
template <class Row>
CampaignProgress read_campaign_progress(const Row& r) {
  CampaignProgress p;
  p.targets = r.int64(0);
  p.started = r.int64(1);
  p.succeeded = r.int64(2);
  p.failed = r.int64(3);
  p.in_flight = r.int64(4);
  return p;
}

inline constexpr const char* kCommandColumns =
    "id, command_id, device_id, command, params, status, result, created_by, created_at,"
    " updated_at, expires_at";

template <class Row>
Command read_command(const Row& r) {
  Command c;
  c.id = r.int64(0);
  c.command_id = r.text(1);
  c.device_id = r.text(2);
  c.command = r.text(3);
  c.params_json = r.text(4);
  c.status = r.text(5);
  c.result_json = r.text(6);  // NULL reads as ""
  c.created_by = r.text(7);
  c.created_at = r.int64(8);
  c.updated_at = r.int64(9);
  c.expires_at = r.opt_int64(10);
  return c;
}

// A campaign's targets as stored: a device listed twice is targeted once, at its first place.
inline std::vector<std::string> unique_targets(const std::vector<std::string>& device_ids) {
  std::vector<std::string> out;
  out.reserve(device_ids.size());
  std::unordered_set<std::string> seen;
  for (const std::string& id : device_ids)
    if (seen.insert(id).second) out.push_back(id);
  return out;
}

// "SELECT <columns> FROM <table>" + rest, the same text for both databases.
inline std::string select_updates(std::string_view rest) {
  return std::string("SELECT ") + kOtaUpdateColumns + " FROM ota_history" + std::string(rest);
}
inline std::string select_campaigns(std::string_view rest) {
  return std::string("SELECT ") + kCampaignColumns + " FROM ota_campaigns" + std::string(rest);
}

}  // namespace blazeiot::ota_records
