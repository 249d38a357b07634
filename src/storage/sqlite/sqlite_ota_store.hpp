#pragma once
#include "storage/ota_store.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace blazeiot {

class SqliteOtaStore final : public OtaStore {
 public:
  explicit SqliteOtaStore(SqliteDatabase& db) : db_(db) {}

  OtaUpdate start(const OtaUpdate& update) override;
  std::optional<OtaUpdate> set_status(std::int64_t id, std::string_view status,
                                      std::string_view error, EpochMs now) override;
  std::optional<OtaUpdate> mark_sent(std::int64_t id, EpochMs now) override;
  std::optional<OtaUpdate> find(std::int64_t id) override;
  std::vector<OtaUpdate> history(std::string_view device_id, int limit,
                                 std::int64_t offset) override;
  std::int64_t history_count(std::string_view device_id) override;
  std::vector<OtaUpdate> time_out(EpochMs created_before, EpochMs now) override;
  bool firmware_in_use(std::int64_t firmware_id) override;

  Campaign create_campaign(const Campaign& campaign) override;
  std::optional<Campaign> find_campaign(std::int64_t id) override;
  std::vector<Campaign> list_campaigns(int limit, std::int64_t offset) override;
  std::vector<Campaign> running_campaigns() override;
  std::optional<Campaign> finish_campaign(std::int64_t id, std::string_view status,
                                          std::string_view reason, EpochMs now) override;
  std::vector<OtaUpdate> campaign_updates(std::int64_t campaign_id) override;
  CampaignProgress campaign_progress(std::int64_t campaign_id) override;
  std::vector<std::string> campaign_next_targets(std::int64_t campaign_id, int limit) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace blazeiot
