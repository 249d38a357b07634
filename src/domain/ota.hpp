#pragma once
// Firmware, OTA updates, rollout campaigns and device commands as the platform records them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace blazeiot {

struct Firmware {
  std::int64_t id = 0;
  std::string version;      // semantic version, e.g. "1.10.0"
  std::string device_type;  // which devices it is for
  std::string description;
  std::string filename;     // the stored file's name inside UPLOAD_DIR (chosen by the platform)
  std::int64_t size = 0;
  std::string sha256;       // lower-case hex
  std::string manifest;     // the signed manifest, a compact JSON object
  std::string signature;    // Ed25519 signature of `manifest`, base64
  std::string uploaded_by;
  EpochMs created_at = 0;
};

// One device's update. Status: pending (recorded, not yet acknowledged by the broker), sent,
// accepted, downloading, installing, success, failed, timed_out, cancelled
// (see domain/ota_status.hpp for which are final).
struct OtaUpdate {
  std::int64_t id = 0;
  std::string device_id;
  std::optional<std::int64_t> firmware_id;
  std::string firmware_version;
  std::optional<std::int64_t> campaign_id;
  std::string status;
  std::optional<int> progress;
  std::string error;
  EpochMs created_at = 0;
  EpochMs updated_at = 0;
  std::optional<EpochMs> completed_at;
};

// A rollout of one firmware to many devices, paced and stopped on too many failures.
// Status: running, completed (every target reached a final state), stopped (by hand),
// halted (failure ratio passed the threshold).
struct Campaign {
  std::int64_t id = 0;
  std::int64_t firmware_id = 0;
  std::string firmware_version;
  std::string device_type;
  std::vector<std::string> device_ids;  // the targets, in rollout order
  int per_minute = 10;                  // devices started per minute
  double max_failure_ratio = 0.2;       // (failed + timed_out) / started above this halts it
  std::string status = "running";
  std::string reason;                   // why it stopped or halted
  std::string created_by;
  std::string base_url;  // where its devices fetch the firmware (PUBLIC_URL or the caller's)
  EpochMs created_at = 0;
  EpochMs updated_at = 0;
  std::optional<EpochMs> finished_at;
};

// Per-status counts of a campaign's updates.
struct CampaignProgress {
  std::int64_t targets = 0;
  std::int64_t started = 0;   // updates created so far
  std::int64_t succeeded = 0;
  std::int64_t failed = 0;    // failed + timed_out + cancelled
  std::int64_t in_flight = 0; // started and not final
};

// Status: pending (recorded), sent (broker acknowledged), success, failed (the device said
// so), expired (no answer in time).
struct Command {
  std::int64_t id = 0;
  std::string command_id;  // the id carried in CommandRequest and CommandResponse
  std::string device_id;
  std::string command;
  std::string params_json = "{}";
  std::string status = "pending";
  std::string result_json;  // the device's `result`, as JSON text ("" when none)
  std::string created_by;
  EpochMs created_at = 0;
  EpochMs updated_at = 0;
  std::optional<EpochMs> expires_at;
};

// A device's answer on CommandResponse/<device_id>.
struct CommandReply {
  std::string device_id;
  std::string command_id;
  std::string status;       // "success" or "failed" after normalisation
  std::string result_json;  // "" when none
  EpochMs received_at = 0;
};

}  // namespace blazeiot
