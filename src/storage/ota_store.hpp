#pragma once
// OTA updates and campaigns. Device reports (OTA/<id>/response) reach ota_history through
// TelemetryStore::apply, in the same transaction as the rest of an ingest batch.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/ota.hpp"

namespace blazeiot {

class OtaStore {
 public:
  virtual ~OtaStore() = default;

  // Records a new update in status `pending`. An update of the same device that is still open
  // (not final) is closed as `cancelled` with error "superseded" first, in one transaction.
  // Returns the new record with its id.
  virtual OtaUpdate start(const OtaUpdate& update) = 0;
  // Sets the status of an open update (e.g. pending -> sent); nothing when it is final or
  // unknown. Final statuses set completed_at. Returns the record after the change.
  virtual std::optional<OtaUpdate> set_status(std::int64_t id, std::string_view status,
                                              std::string_view error, EpochMs now) = 0;
  // pending -> sent once the broker has the update message; nothing when the update is no
  // longer pending (the device may already have reported `downloading`: that must not be
  // overwritten). Returns the record after the change.
  virtual std::optional<OtaUpdate> mark_sent(std::int64_t id, EpochMs now) = 0;
  virtual std::optional<OtaUpdate> find(std::int64_t id) = 0;
  // Newest first.
  virtual std::vector<OtaUpdate> history(std::string_view device_id, int limit,
                                         std::int64_t offset) = 0;
  virtual std::int64_t history_count(std::string_view device_id) = 0;
  // Open updates created before `created_before` become `timed_out` (error "no final answer
  // in time"); returns them after the change.
  virtual std::vector<OtaUpdate> time_out(EpochMs created_before, EpochMs now) = 0;
  // Whether an open update or a running campaign uses this firmware.
  virtual bool firmware_in_use(std::int64_t firmware_id) = 0;

  // Campaigns. create returns the record with its id.
  virtual Campaign create_campaign(const Campaign& campaign) = 0;
  virtual std::optional<Campaign> find_campaign(std::int64_t id) = 0;
  // Newest first.
  virtual std::vector<Campaign> list_campaigns(int limit, std::int64_t offset) = 0;
  virtual std::vector<Campaign> running_campaigns() = 0;
  // Sets status/reason (and finished_at for anything but running) of a running campaign;
  // nothing when it is not running.
  virtual std::optional<Campaign> finish_campaign(std::int64_t id, std::string_view status,
                                                  std::string_view reason, EpochMs now) = 0;
  virtual std::vector<OtaUpdate> campaign_updates(std::int64_t campaign_id) = 0;
  virtual CampaignProgress campaign_progress(std::int64_t campaign_id) = 0;
  // The campaign's targets that have no update yet, in rollout order, at most `limit`.
  virtual std::vector<std::string> campaign_next_targets(std::int64_t campaign_id, int limit) = 0;
};

}  // namespace blazeiot
