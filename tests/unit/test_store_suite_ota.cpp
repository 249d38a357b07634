// Firmware records, OTA updates and campaigns, and the schema upgrade that brought them, on
// every backend.
#include <gtest/gtest.h>

#include <algorithm>

#include "../support/ingest_batch_samples.hpp"
#include "../support/store_backends.hpp"

using namespace blazeiot;
using namespace blazeiot::test;

namespace {

std::vector<std::int64_t> ids_of(const std::vector<OtaUpdate>& updates) {
  std::vector<std::int64_t> out;
  for (const OtaUpdate& u : updates) out.push_back(u.id);
  return out;
}
}  // namespace

template <class Backend>
class OtaStoreSuite : public StoreTest<Backend> {
 protected:
  FirmwareStore& firmware() { return this->storage().firmware(); }
  OtaStore& ota() { return this->storage().ota(); }

  Firmware add_firmware(const std::string& device_type, const std::string& version,
                        EpochMs at = kT0) {
    Firmware f;
    f.version = version;
    f.device_type = device_type;
    f.description = "build " + version;
    f.filename = device_type + "-" + version + ".bin";
    f.size = 123456;
    f.sha256 = std::string(64, 'a');
    f.manifest = R"({"version":")" + version + R"("})";
    f.signature = "c2lnbmF0dXJl";
    f.uploaded_by = "alice";
    f.created_at = at;
    auto stored = firmware().create(f);
    EXPECT_TRUE(stored);
    return stored.value_or(f);
  }
  OtaUpdate start(const std::string& device_id, EpochMs at,
                  std::optional<std::int64_t> firmware_id = std::nullopt,
                  std::optional<std::int64_t> campaign_id = std::nullopt) {
    OtaUpdate u;
    u.device_id = device_id;
    u.firmware_id = firmware_id;
    u.firmware_version = "2.0.0";
    u.campaign_id = campaign_id;
    u.created_at = at;
    return ota().start(u);
  }
  Campaign add_campaign(std::int64_t firmware_id, std::vector<std::string> targets,
                        EpochMs at = kT0) {
    Campaign c;
    c.firmware_id = firmware_id;
    c.firmware_version = "2.0.0";
    c.device_type = "esp32";
    c.device_ids = std::move(targets);
    c.per_minute = 7;
    c.max_failure_ratio = 0.25;
    c.created_by = "alice";
    c.base_url = "https://iot.example.com";
    c.created_at = at;
    return ota().create_campaign(c);
  }
  void report(const std::string& device_id, const std::string& status, EpochMs at,
              std::optional<int> progress = std::nullopt) {
    IngestBatch b;
    b.ota_responses.push_back(ota_response(device_id, status, at, "", progress));
    this->storage().telemetry().apply(b);
  }
};
TYPED_TEST_SUITE(OtaStoreSuite, StoreBackends, BackendNames);

TYPED_TEST(OtaStoreSuite, FirmwareIsUniquePerDeviceTypeAndVersion) {
  Firmware a = this->add_firmware("esp32", "1.0.0", kT0);
  Firmware b = this->add_firmware("esp32", "1.1.0", kT0 + 1);
  Firmware c = this->add_firmware("stm32", "1.0.0", kT0 + 2);
  EXPECT_GT(a.id, 0);
  EXPECT_NE(a.id, b.id);

  Firmware dup = a;
  dup.filename = "other.bin";
  EXPECT_FALSE(this->firmware().create(dup));

  auto found = this->firmware().find(a.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->version, "1.0.0");
  EXPECT_EQ(found->device_type, "esp32");
  EXPECT_EQ(found->description, "build 1.0.0");
  EXPECT_EQ(found->filename, "esp32-1.0.0.bin");
  EXPECT_EQ(found->size, 123456);
  EXPECT_EQ(found->sha256, std::string(64, 'a'));
  EXPECT_EQ(found->manifest, R"({"version":"1.0.0"})");
  EXPECT_EQ(found->signature, "c2lnbmF0dXJl");
  EXPECT_EQ(found->uploaded_by, "alice");
  EXPECT_EQ(found->created_at, kT0);
  EXPECT_FALSE(this->firmware().find(c.id + 100));

  auto all = this->firmware().list(std::nullopt);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, c.id);
  EXPECT_EQ(all[2].id, a.id);
  auto esp = this->firmware().list("esp32");
  ASSERT_EQ(esp.size(), 2u);
  EXPECT_EQ(esp[0].id, b.id);
  EXPECT_EQ(esp[1].id, a.id);
  EXPECT_TRUE(this->firmware().list("nrf52").empty());

  auto v1 = this->firmware().find_version("1.0.0");
  ASSERT_EQ(v1.size(), 2u);
  EXPECT_EQ(v1[0].device_type, "esp32");
  EXPECT_EQ(v1[1].device_type, "stm32");
  EXPECT_TRUE(this->firmware().find_version("9.9.9").empty());

  EXPECT_TRUE(this->firmware().remove(a.id));
  EXPECT_FALSE(this->firmware().remove(a.id));
  EXPECT_FALSE(this->firmware().find(a.id));
  // The pair is free again.
  EXPECT_TRUE(this->firmware().create(dup));
}

TYPED_TEST(OtaStoreSuite, StartSupersedesTheDevicesOpenUpdate) {
  Firmware f = this->add_firmware("esp32", "2.0.0");
  OtaUpdate first = this->start("d1", kT0, f.id);
  EXPECT_GT(first.id, 0);
  EXPECT_EQ(first.status, "pending");
  EXPECT_EQ(first.firmware_id, f.id);
  EXPECT_EQ(first.firmware_version, "2.0.0");
  EXPECT_FALSE(first.campaign_id);
  EXPECT_FALSE(first.progress);
  EXPECT_EQ(first.error, "");
  EXPECT_EQ(first.created_at, kT0);
  EXPECT_EQ(first.updated_at, kT0);
  EXPECT_FALSE(first.completed_at);
  OtaUpdate other = this->start("d2", kT0 + 1, f.id);

  OtaUpdate second = this->start("d1", kT0 + 10, f.id);
  EXPECT_NE(second.id, first.id);
  EXPECT_EQ(second.status, "pending");
  auto old = this->ota().find(first.id);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->status, "cancelled");
  EXPECT_EQ(old->error, "superseded");
  EXPECT_EQ(old->completed_at, kT0 + 10);
  EXPECT_EQ(old->updated_at, kT0 + 10);
  EXPECT_EQ(this->ota().find(other.id)->status, "pending");

  // A final update is not superseded again.
  this->start("d1", kT0 + 20, f.id);
  EXPECT_EQ(this->ota().find(first.id)->completed_at, kT0 + 10);

  EXPECT_EQ(this->ota().history_count("d1"), 3);
  auto history = this->ota().history("d1", 2, 0);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].created_at, kT0 + 20);
  EXPECT_EQ(history[1].id, second.id);
  EXPECT_EQ(ids_of(this->ota().history("d1", 10, 2)), std::vector<std::int64_t>{first.id});
  EXPECT_EQ(this->ota().history_count("nobody"), 0);
}

TYPED_TEST(OtaStoreSuite, SetStatusChangesOpenUpdatesOnly) {
  OtaUpdate u = this->start("d1", kT0);
  auto sent = this->ota().set_status(u.id, "sent", "", kT0 + 1);
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->status, "sent");
  EXPECT_EQ(sent->updated_at, kT0 + 1);
  EXPECT_FALSE(sent->completed_at);

  auto failed = this->ota().set_status(u.id, "failed", "broker refused", kT0 + 2);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, "failed");
  EXPECT_EQ(failed->error, "broker refused");
  EXPECT_EQ(failed->completed_at, kT0 + 2);

  EXPECT_FALSE(this->ota().set_status(u.id, "sent", "", kT0 + 3));
  EXPECT_EQ(this->ota().find(u.id)->status, "failed");
  EXPECT_FALSE(this->ota().set_status(u.id + 100, "sent", "", kT0 + 3));
}

TYPED_TEST(OtaStoreSuite, MarkSentNeverOverwritesADevicesReport) {
  OtaUpdate u = this->start("d1", kT0);
  auto sent = this->ota().mark_sent(u.id, kT0 + 1);
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->status, "sent");
  EXPECT_EQ(sent->updated_at, kT0 + 1);
  EXPECT_FALSE(this->ota().mark_sent(u.id, kT0 + 2));

  // The device answered before the broker's acknowledgement reached us.
  OtaUpdate fast = this->start("d2", kT0);
  this->report("d2", "downloading", kT0 + 1, 5);
  EXPECT_FALSE(this->ota().mark_sent(fast.id, kT0 + 2));
  EXPECT_EQ(this->ota().find(fast.id)->status, "downloading");
  EXPECT_FALSE(this->ota().mark_sent(fast.id + 100, kT0 + 2));
}

TYPED_TEST(OtaStoreSuite, DeviceReportsMoveTheOpenUpdate) {
  OtaUpdate u = this->start("d1", kT0);
  this->ota().mark_sent(u.id, kT0 + 1);
  this->report("d1", "downloading", kT0 + 2, 30);
  auto now = this->ota().find(u.id);
  ASSERT_TRUE(now);
  EXPECT_EQ(now->status, "downloading");
  EXPECT_EQ(now->progress, 30);
  EXPECT_EQ(now->updated_at, kT0 + 2);
  EXPECT_FALSE(now->completed_at);

  this->report("d1", "success", kT0 + 3);
  now = this->ota().find(u.id);
  EXPECT_EQ(now->status, "success");
  EXPECT_EQ(now->progress, 30);
  EXPECT_EQ(now->firmware_version, "2.0.0");
  EXPECT_EQ(now->completed_at, kT0 + 3);
  EXPECT_EQ(this->ota().history_count("d1"), 1);
  EXPECT_FALSE(this->ota().set_status(u.id, "sent", "", kT0 + 4));
}

TYPED_TEST(OtaStoreSuite, TimeOutOnlyTouchesOpenUpdatesOlderThanTheCutoff) {
  OtaUpdate old_open = this->start("d1", kT0);
  OtaUpdate old_done = this->start("d2", kT0);
  this->ota().set_status(old_done.id, "success", "", kT0 + 1);
  OtaUpdate recent = this->start("d3", kT0 + 10);
  OtaUpdate at_cutoff = this->start("d4", kT0 + 5);

  auto timed_out = this->ota().time_out(kT0 + 5, kT0 + 100);
  ASSERT_EQ(timed_out.size(), 1u);
  EXPECT_EQ(timed_out[0].id, old_open.id);
  EXPECT_EQ(timed_out[0].status, "timed_out");
  EXPECT_EQ(timed_out[0].error, "no final answer in time");
  EXPECT_EQ(timed_out[0].completed_at, kT0 + 100);
  EXPECT_EQ(timed_out[0].updated_at, kT0 + 100);

  EXPECT_EQ(this->ota().find(old_done.id)->status, "success");
  EXPECT_EQ(this->ota().find(old_done.id)->completed_at, kT0 + 1);
  EXPECT_EQ(this->ota().find(recent.id)->status, "pending");
  EXPECT_EQ(this->ota().find(at_cutoff.id)->status, "pending");
  EXPECT_TRUE(this->ota().time_out(kT0 + 5, kT0 + 200).empty());
}

TYPED_TEST(OtaStoreSuite, FirmwareInUseByAnOpenUpdateOrARunningCampaign) {
  Firmware by_update = this->add_firmware("esp32", "2.0.0");
  Firmware by_campaign = this->add_firmware("esp32", "2.1.0");
  Firmware unused = this->add_firmware("esp32", "2.2.0");
  EXPECT_FALSE(this->ota().firmware_in_use(by_update.id));

  OtaUpdate u = this->start("d1", kT0, by_update.id);
  Campaign c = this->add_campaign(by_campaign.id, {"d2"});
  EXPECT_TRUE(this->ota().firmware_in_use(by_update.id));
  EXPECT_TRUE(this->ota().firmware_in_use(by_campaign.id));
  EXPECT_FALSE(this->ota().firmware_in_use(unused.id));

  this->ota().set_status(u.id, "failed", "", kT0 + 1);
  this->ota().finish_campaign(c.id, "stopped", "", kT0 + 1);
  EXPECT_FALSE(this->ota().firmware_in_use(by_update.id));
  EXPECT_FALSE(this->ota().firmware_in_use(by_campaign.id));

  // History outlives the firmware it installed.
  EXPECT_TRUE(this->firmware().remove(by_update.id));
  EXPECT_TRUE(this->firmware().remove(by_campaign.id));
  EXPECT_FALSE(this->ota().find(u.id)->firmware_id);
  EXPECT_EQ(this->ota().find(u.id)->firmware_version, "2.0.0");
  auto finished = this->ota().find_campaign(c.id);
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->firmware_id, 0);
  EXPECT_EQ(finished->firmware_version, "2.0.0");
}

TYPED_TEST(OtaStoreSuite, CampaignsAreCreatedListedAndFinishedOnce) {
  Firmware f = this->add_firmware("esp32", "2.0.0");
  Campaign first = this->add_campaign(f.id, {"d3", "d1", "d3", "d2"}, kT0);
  Campaign second = this->add_campaign(f.id, {}, kT0 + 1);
  EXPECT_GT(first.id, 0);
  EXPECT_NE(first.id, second.id);
  EXPECT_EQ(first.device_ids, (std::vector<std::string>{"d3", "d1", "d2"}));

  auto found = this->ota().find_campaign(first.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->firmware_id, f.id);
  EXPECT_EQ(found->firmware_version, "2.0.0");
  EXPECT_EQ(found->device_type, "esp32");
  EXPECT_EQ(found->device_ids, (std::vector<std::string>{"d3", "d1", "d2"}));
  EXPECT_EQ(found->per_minute, 7);
  EXPECT_EQ(found->max_failure_ratio, 0.25);
  EXPECT_EQ(found->status, "running");
  EXPECT_EQ(found->reason, "");
  EXPECT_EQ(found->created_by, "alice");
  EXPECT_EQ(found->base_url, "https://iot.example.com");
  EXPECT_EQ(found->created_at, kT0);
  EXPECT_EQ(found->updated_at, kT0);
  EXPECT_FALSE(found->finished_at);
  EXPECT_FALSE(this->ota().find_campaign(second.id + 100));

  auto listed = this->ota().list_campaigns(10, 0);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, second.id);
  EXPECT_TRUE(listed[0].device_ids.empty());
  EXPECT_EQ(listed[1].device_ids.size(), 3u);
  auto page = this->ota().list_campaigns(1, 1);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].id, first.id);
  EXPECT_EQ(this->ota().running_campaigns().size(), 2u);

  auto stopped = this->ota().finish_campaign(first.id, "stopped", "by hand", kT0 + 50);
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->status, "stopped");
  EXPECT_EQ(stopped->reason, "by hand");
  EXPECT_EQ(stopped->finished_at, kT0 + 50);
  EXPECT_EQ(stopped->updated_at, kT0 + 50);
  EXPECT_EQ(stopped->device_ids.size(), 3u);
  EXPECT_FALSE(this->ota().finish_campaign(first.id, "halted", "again", kT0 + 60));
  EXPECT_EQ(this->ota().find_campaign(first.id)->reason, "by hand");
  EXPECT_FALSE(this->ota().finish_campaign(second.id + 100, "stopped", "", kT0 + 60));

  auto running = this->ota().running_campaigns();
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].id, second.id);
}

TYPED_TEST(OtaStoreSuite, NextTargetsFollowRolloutOrderAndSkipStartedOnes) {
  Firmware f = this->add_firmware("esp32", "2.0.0");
  Campaign c = this->add_campaign(f.id, {"d3", "d1", "d2", "d4"});
  Campaign other = this->add_campaign(f.id, {"d2"});
  EXPECT_EQ(this->ota().campaign_next_targets(c.id, 2), (std::vector<std::string>{"d3", "d1"}));

  this->start("d1", kT0 + 1, f.id, c.id);
  // Neither a manual update nor another campaign's counts as this campaign's start.
  this->start("d3", kT0 + 1, f.id);
  this->start("d2", kT0 + 1, f.id, other.id);
  EXPECT_EQ(this->ota().campaign_next_targets(c.id, 10),
            (std::vector<std::string>{"d3", "d2", "d4"}));
  EXPECT_TRUE(this->ota().campaign_next_targets(other.id, 10).empty());
  EXPECT_TRUE(this->ota().campaign_next_targets(c.id + 100, 10).empty());
}

TYPED_TEST(OtaStoreSuite, CampaignProgressCountsItsUpdates) {
  Firmware f = this->add_firmware("esp32", "2.0.0");
  Campaign c = this->add_campaign(f.id, {"d1", "d2", "d3", "d4", "d5"});
  CampaignProgress none = this->ota().campaign_progress(c.id);
  EXPECT_EQ(none.targets, 5);
  EXPECT_EQ(none.started, 0);
  EXPECT_EQ(none.in_flight, 0);

  OtaUpdate u1 = this->start("d1", kT0 + 1, f.id, c.id);
  OtaUpdate u2 = this->start("d2", kT0 + 2, f.id, c.id);
  OtaUpdate u3 = this->start("d3", kT0 + 3, f.id, c.id);
  OtaUpdate u4 = this->start("d4", kT0 + 4, f.id, c.id);
  this->start("d5", kT0 + 5, f.id);  // not the campaign's
  this->report("d1", "success", kT0 + 10);
  this->ota().set_status(u2.id, "failed", "bad image", kT0 + 10);
  this->ota().set_status(u3.id, "timed_out", "", kT0 + 10);
  this->ota().mark_sent(u4.id, kT0 + 10);

  CampaignProgress p = this->ota().campaign_progress(c.id);
  EXPECT_EQ(p.targets, 5);
  EXPECT_EQ(p.started, 4);
  EXPECT_EQ(p.succeeded, 1);
  EXPECT_EQ(p.failed, 2);
  EXPECT_EQ(p.in_flight, 1);

  // An update superseded by a manual one is lost to the campaign.
  this->start("d4", kT0 + 20, f.id);
  p = this->ota().campaign_progress(c.id);
  EXPECT_EQ(p.failed, 3);
  EXPECT_EQ(p.in_flight, 0);

  EXPECT_EQ(ids_of(this->ota().campaign_updates(c.id)),
            (std::vector<std::int64_t>{u1.id, u2.id, u3.id, u4.id}));
  EXPECT_EQ(this->ota().campaign_progress(c.id + 100).targets, 0);
}

TYPED_TEST(OtaStoreSuite, AVersion1DatabaseIsUpgradedWithItsRows) {
  // A database as the first release left it, on a server of its own.
  TypeParam old_backend;
  auto old = old_backend.open();
  const auto migrations = TypeParam::migrations();
  ASSERT_GE(migrations.size(), 2u);
  ASSERT_EQ(migrations[0].version, 1);
  TypeParam::exec(*old,
                  "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                  " description TEXT NOT NULL, applied_at BIGINT NOT NULL)");
  TypeParam::exec(*old, std::string(migrations[0].sql));
  TypeParam::exec(*old,
                  "INSERT INTO schema_migrations VALUES (1, 'initial schema', 0);"
                  "INSERT INTO firmware(version, device_type, filename, size, sha256, signature,"
                  " created_at) VALUES ('1.0.0', 'esp32', 'fw.bin', 10, 'ab', 'sig', 5);"
                  "INSERT INTO ota_history(device_id, firmware_id, firmware_version, status,"
                  " created_at, updated_at) VALUES ('d1', 1, '1.0.0', 'sent', 6, 6);"
                  "INSERT INTO commands(command_id, device_id, command, status, created_at,"
                  " updated_at, expires_at) VALUES ('c1', 'd1', 'reboot', 'sent', 7, 7, 100)");

  EXPECT_EQ(old->migrate(), this->schema_version_);
  EXPECT_EQ(TypeParam::scalar(*old, "SELECT MAX(version) FROM schema_migrations"),
            this->schema_version_);

  auto f = old->firmware().find(1);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->version, "1.0.0");
  EXPECT_EQ(f->signature, "sig");
  EXPECT_EQ(f->manifest, "");
  auto u = old->ota().find(1);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->status, "sent");
  EXPECT_EQ(u->firmware_id, 1);
  auto cmd = old->commands().find("c1");
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->status, "sent");
  EXPECT_EQ(cmd->result_json, "");

  // What version 2 added works on the upgraded rows.
  EXPECT_TRUE(old->ota().firmware_in_use(1));
  Campaign c;
  c.firmware_id = 1;
  c.firmware_version = "1.0.0";
  c.device_ids = {"d1", "d2"};
  c.created_at = 8;
  Campaign stored = old->ota().create_campaign(c);
  EXPECT_EQ(old->ota().campaign_next_targets(stored.id, 10), c.device_ids);
  EXPECT_EQ(old->commands().expire(200).size(), 1u);
}
