// Device commands: what the API records and the broker acknowledges, and the devices'
// replies arriving through the ingest batch, on every backend.
#include <gtest/gtest.h>

#include <algorithm>

#include "../support/store_backends.hpp"

using namespace blazeiot;
using namespace blazeiot::test;

namespace {

CommandReply reply(std::string command_id, std::string device_id, std::string status,
                   EpochMs at, std::string result_json = "") {
  CommandReply r;
  r.command_id = std::move(command_id);
  r.device_id = std::move(device_id);
  r.status = std::move(status);
  r.result_json = std::move(result_json);
  r.received_at = at;
  return r;
}

std::vector<std::string> command_ids(const std::vector<Command>& commands) {
  std::vector<std::string> out;
  for (const Command& c : commands) out.push_back(c.command_id);
  return out;
}
}  // namespace

template <class Backend>
class CommandStoreSuite : public StoreTest<Backend> {
 protected:
  CommandStore& commands() { return this->storage().commands(); }

  Command add(const std::string& command_id, const std::string& device_id, EpochMs at,
              std::optional<EpochMs> expires_at = std::nullopt) {
    Command c;
    c.command_id = command_id;
    c.device_id = device_id;
    c.command = "reboot";
    c.params_json = R"({"delay":5})";
    c.created_by = "alice";
    c.created_at = at;
    c.expires_at = expires_at;
    return commands().create(c);
  }
  void apply(std::vector<CommandReply> replies) {
    IngestBatch b;
    b.command_replies = std::move(replies);
    this->storage().telemetry().apply(b);
  }
};
TYPED_TEST_SUITE(CommandStoreSuite, StoreBackends, BackendNames);

TYPED_TEST(CommandStoreSuite, CreateAndFindWithAUniqueCommandId) {
  Command created = this->add("cmd-1", "d1", kT0, kT0 + 60'000);
  EXPECT_GT(created.id, 0);
  EXPECT_EQ(created.status, "pending");

  auto found = this->commands().find("cmd-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, created.id);
  EXPECT_EQ(found->device_id, "d1");
  EXPECT_EQ(found->command, "reboot");
  EXPECT_EQ(found->params_json, R"({"delay":5})");
  EXPECT_EQ(found->status, "pending");
  EXPECT_EQ(found->result_json, "");
  EXPECT_EQ(found->created_by, "alice");
  EXPECT_EQ(found->created_at, kT0);
  EXPECT_EQ(found->updated_at, kT0);
  EXPECT_EQ(found->expires_at, kT0 + 60'000);
  EXPECT_FALSE(this->commands().find("cmd-2"));

  EXPECT_THROW(this->add("cmd-1", "d2", kT0 + 1), StorageError);
  EXPECT_EQ(this->commands().count({}), 1);
  // The store is still usable after the refusal.
  EXPECT_FALSE(this->add("cmd-2", "d2", kT0 + 1).expires_at);
}

TYPED_TEST(CommandStoreSuite, ListIsNewestFirstWithFiltersAndPaging) {
  this->add("a", "d1", kT0);
  this->add("b", "d1", kT0 + 2);
  this->add("c", "d2", kT0 + 1);
  this->add("d", "d1", kT0 + 3);
  this->commands().mark_sent("b", kT0 + 10);

  EXPECT_EQ(command_ids(this->commands().list({})), (std::vector<std::string>{"d", "b", "c", "a"}));
  CommandQuery d1;
  d1.device_id = "d1";
  EXPECT_EQ(command_ids(this->commands().list(d1)), (std::vector<std::string>{"d", "b", "a"}));
  EXPECT_EQ(this->commands().count(d1), 3);
  d1.limit = 1;
  d1.offset = 1;
  EXPECT_EQ(command_ids(this->commands().list(d1)), std::vector<std::string>{"b"});
  EXPECT_EQ(this->commands().count(d1), 3);

  CommandQuery pending;
  pending.status = "pending";
  EXPECT_EQ(this->commands().count(pending), 3);
  pending.device_id = "d1";
  EXPECT_EQ(command_ids(this->commands().list(pending)), (std::vector<std::string>{"d", "a"}));
  CommandQuery nobody;
  nobody.device_id = "d9";
  EXPECT_TRUE(this->commands().list(nobody).empty());
  EXPECT_EQ(this->commands().count(nobody), 0);
}

TYPED_TEST(CommandStoreSuite, MarkSentOnlyMovesPendingCommands) {
  this->add("a", "d1", kT0);
  auto sent = this->commands().mark_sent("a", kT0 + 5);
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->status, "sent");
  EXPECT_EQ(sent->updated_at, kT0 + 5);
  EXPECT_FALSE(this->commands().mark_sent("a", kT0 + 6));
  EXPECT_EQ(this->commands().find("a")->updated_at, kT0 + 5);
  EXPECT_FALSE(this->commands().mark_sent("unknown", kT0 + 6));

  // The device answered before the broker's acknowledgement reached us.
  this->add("b", "d1", kT0);
  this->apply({reply("b", "d1", "success", kT0 + 1)});
  EXPECT_FALSE(this->commands().mark_sent("b", kT0 + 2));
  EXPECT_EQ(this->commands().find("b")->status, "success");
}

TYPED_TEST(CommandStoreSuite, ExpireTakesOpenCommandsPastTheirTime) {
  this->add("pending-late", "d1", kT0, kT0 + 10);
  this->add("sent-late", "d1", kT0, kT0 + 10);
  this->commands().mark_sent("sent-late", kT0 + 1);
  this->add("pending-in-time", "d1", kT0, kT0 + 100);
  this->add("no-deadline", "d1", kT0);
  this->add("answered", "d1", kT0, kT0 + 10);
  this->apply({reply("answered", "d1", "failed", kT0 + 2)});

  auto expired = this->commands().expire(kT0 + 50);
  auto ids = command_ids(expired);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"pending-late", "sent-late"}));
  for (const Command& c : expired) {
    EXPECT_EQ(c.status, "expired");
    EXPECT_EQ(c.updated_at, kT0 + 50);
  }
  EXPECT_EQ(this->commands().find("pending-in-time")->status, "pending");
  EXPECT_EQ(this->commands().find("no-deadline")->status, "pending");
  EXPECT_EQ(this->commands().find("answered")->status, "failed");
  EXPECT_TRUE(this->commands().expire(kT0 + 50).empty());
}

TYPED_TEST(CommandStoreSuite, RepliesSettleOpenCommandsOnly) {
  this->add("pending", "d1", kT0);
  this->add("sent", "d1", kT0);
  this->commands().mark_sent("sent", kT0 + 1);
  this->add("expired", "d1", kT0, kT0 + 5);
  this->commands().expire(kT0 + 10);
  this->add("theirs", "d2", kT0);

  this->apply({reply("pending", "d1", "success", kT0 + 20, R"({"uptime":42})"),
               reply("sent", "d1", "failed", kT0 + 21),
               reply("expired", "d1", "success", kT0 + 22, "true"),
               reply("theirs", "d1", "success", kT0 + 23),
               reply("never-issued", "d1", "success", kT0 + 24)});

  auto pending = this->commands().find("pending");
  EXPECT_EQ(pending->status, "success");
  EXPECT_EQ(pending->result_json, R"({"uptime":42})");
  EXPECT_EQ(pending->updated_at, kT0 + 20);
  auto sent = this->commands().find("sent");
  EXPECT_EQ(sent->status, "failed");
  EXPECT_EQ(sent->result_json, "");
  EXPECT_EQ(sent->updated_at, kT0 + 21);
  auto expired = this->commands().find("expired");
  EXPECT_EQ(expired->status, "expired");
  EXPECT_EQ(expired->result_json, "");
  EXPECT_EQ(this->commands().find("theirs")->status, "pending");
  EXPECT_FALSE(this->commands().find("never-issued"));
  EXPECT_EQ(this->commands().count({}), 4);

  // A second answer to a settled command changes nothing either.
  this->apply({reply("pending", "d1", "failed", kT0 + 30, "\"late\"")});
  pending = this->commands().find("pending");
  EXPECT_EQ(pending->status, "success");
  EXPECT_EQ(pending->result_json, R"({"uptime":42})");
  EXPECT_EQ(pending->updated_at, kT0 + 20);
}
