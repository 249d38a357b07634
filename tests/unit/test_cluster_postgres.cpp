// The cluster's PostgreSQL parts against a real server (BLAZEIOT_TEST_PG): one leader at a
// time, announcements that travel only with a commit, and an event stream that comes back.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "cluster/batch_announcer.hpp"
#include "cluster/pg_event_listener.hpp"
#include "cluster/pg_leadership.hpp"
#include "../support/pg_test_database.hpp"
#include "../support/store_backends.hpp"

using namespace blazeiot;
using namespace std::chrono_literals;

namespace {

template <class Fn>
bool eventually(Fn fn, std::chrono::milliseconds timeout = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return fn();
}

PgLeadershipOptions quick() {
  PgLeadershipOptions o;
  o.check_interval = 100ms;
  o.answer_timeout = 2000ms;
  return o;
}

IngestBatch batch_with_reading(const std::string& device) {
  IngestBatch b;
  b.sightings.push_back({EntityKind::device, device, "", device, "", 1'700'000'000'000});
  Reading r;
  r.source_id = device;
  r.data_json = R"({"device_id":")" + device + R"("})";
  r.received_at = 1'700'000'000'000;
  b.readings.push_back(r);
  return b;
}

// Raw notifications on the cluster channel, as another instance would receive them.
std::vector<std::string> drain_notifications(PgConnection& c, std::chrono::milliseconds wait) {
  std::vector<std::string> out;
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    PQconsumeInput(c.handle());
    while (PGnotify* n = PQnotifies(c.handle())) {
      out.emplace_back(n->extra);
      PQfreemem(n);
    }
    std::this_thread::sleep_for(20ms);
  }
  return out;
}

// Waits up to `first_within` for the first notification (a busy server may take a moment),
// then collects whatever else arrives for `then`.
std::vector<std::string> first_notifications(PgConnection& c, std::chrono::milliseconds then,
                                             std::chrono::milliseconds first_within = 5000ms) {
  std::vector<std::string> got;
  for (auto deadline = std::chrono::steady_clock::now() + first_within;
       got.empty() && std::chrono::steady_clock::now() < deadline;)
    got = drain_notifications(c, 50ms);
  auto more = drain_notifications(c, then);
  got.insert(got.end(), more.begin(), more.end());
  return got;
}

}  // namespace

TEST(ClusterPostgres, OneLeaderAtATimeAndASuccessorWhenItGoes) {
  BLAZEIOT_REQUIRE_PG_TEST_SERVER();
  test::PgTestDatabase db;
  std::atomic<int> changes{0};
  auto a = std::make_unique<PgLeadership>(db.conninfo(), [&](bool) { ++changes; }, quick());
  PgLeadership b(db.conninfo(), nullptr, quick());
  a->start();
  ASSERT_TRUE(eventually([&] { return a->is_leader(); }));
  b.start();
  std::this_thread::sleep_for(400ms);  // b has tried a few times by now
  EXPECT_FALSE(b.is_leader());
  EXPECT_TRUE(a->is_leader());
  a.reset();  // closes its connection: the server frees the lock (quietly: no callback)
  EXPECT_EQ(changes.load(), 1);
  EXPECT_TRUE(eventually([&] { return b.is_leader(); }));
}

TEST(ClusterPostgres, ALeaderWhoseSessionIsKilledStopsLeading) {
  BLAZEIOT_REQUIRE_PG_TEST_SERVER();
  test::PgTestDatabase db;
  std::atomic<int> changes{0};
  PgLeadership a(db.conninfo(), [&](bool) { ++changes; }, quick());
  a.start();
  ASSERT_TRUE(eventually([&] { return a.is_leader(); }));
  PgConnection admin(db.conninfo());
  const std::string others =
      " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()";
  int before = static_cast<int>(admin.query("SELECT max(pid)" + others).int64(0, 0));
  admin.exec("SELECT pg_terminate_backend(pid)" + others);
  // It stops leading, and since nobody else wants the lock takes it again on a new session.
  EXPECT_TRUE(eventually([&] {
    auto q = admin.query("SELECT count(*), max(pid)" + others);
    return changes.load() == 3 && a.is_leader() && q.int64(0, 0) == 1 &&
           q.int64(0, 1) != before;
  }));
}

TEST(ClusterPostgres, AnnouncementsTravelOnlyWithACommit) {
  BLAZEIOT_REQUIRE_PG_TEST_SERVER();
  test::PgTestDatabase db;
  PostgresStorage storage(db.conninfo());
  storage.migrate();
  enable_batch_announcements();  // for this process: other tests' batches are announced too
  PgConnection listener(db.conninfo());
  listener.exec(std::string("LISTEN ") + kClusterChannel);

  storage.telemetry().apply(batch_with_reading("Committed"));
  // One announcement, and nothing more follows it.
  auto got = first_notifications(listener, 300ms);
  ASSERT_EQ(got.size(), 1u);
  AnnouncementDecoder decoder(/*own_origin=*/this_instance_id() + 1);
  auto a = decoder.feed(got[0]);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->origin, this_instance_id());
  ASSERT_EQ(a->sightings.size(), 1u);
  ASSERT_EQ(a->events.size(), 1u);
  EXPECT_EQ(std::get<ReadingStored>(a->events[0]).reading.source_id, "Committed");

  // A batch that cannot commit announces nothing.
  PgConnection(db.conninfo()).exec("DROP TABLE logs");
  IngestBatch failing = batch_with_reading("RolledBack");
  failing.logs.push_back({0, "system", "info", "x", "y", "{}", 1});
  EXPECT_THROW(storage.telemetry().apply(failing), StorageError);
  EXPECT_TRUE(drain_notifications(listener, 300ms).empty());
}

TEST(ClusterPostgres, TheEventStreamDeliversOthersAnnouncementsAndComesBack) {
  BLAZEIOT_REQUIRE_PG_TEST_SERVER();
  test::PgTestDatabase db;
  std::mutex mutex;
  std::vector<ClusterAnnouncement> got;
  std::atomic<int> connected{0}, lost{0};
  PgEventListener listener(db.conninfo(),
                           PgEventListenerHandlers{
                               [&] { ++connected; },
                               [&] { ++lost; },
                               [&](ClusterAnnouncement&& a) {
                                 std::lock_guard lock(mutex);
                                 got.push_back(std::move(a));
                               }});
  listener.start();
  ASSERT_TRUE(eventually([&] { return connected.load() == 1; }));

  std::atomic<std::uint64_t> seq{1};
  PgConnection other(db.conninfo());
  auto send = [&](std::uint64_t origin, const std::string& device) {
    for (const std::string& p : encode_announcements(batch_with_reading(device), origin, seq))
      other.query("SELECT pg_notify($1, $2)", PgParams().add(kClusterChannel).add(p));
  };
  send(this_instance_id(), "Mine");  // this process's own: skipped
  send(4242, "Theirs");
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return !got.empty();
  }));

  // Its session killed, it reconnects and says so (the caller then re-reads presence).
  other.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname ="
             " current_database() AND pid <> pg_backend_pid()");
  EXPECT_TRUE(eventually([&] { return lost.load() == 1 && connected.load() == 2; }));
  send(4242, "AfterReconnect");
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return got.size() == 2;
  }));
  std::lock_guard lock(mutex);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(std::get<ReadingStored>(got[0].events[0]).reading.source_id, "Theirs");
  EXPECT_EQ(std::get<ReadingStored>(got[1].events[0]).reading.source_id, "AfterReconnect");
}

TEST(ClusterPostgres, TheEventStreamSendsEventsRaisedOutsideIngestBatches) {
  BLAZEIOT_REQUIRE_PG_TEST_SERVER();
  test::PgTestDatabase db;
  PgConnection other(db.conninfo());
  other.exec(std::string("LISTEN ") + kClusterChannel);
  PgEventListener listener(db.conninfo(), {});
  IngestBatch b;
  b.ota_responses.push_back({"Device0001", "failed", "1.2.0", "timed out", std::nullopt, 5});
  listener.send(event_announcements(b));  // before it is connected: kept until it is
  listener.start();
  auto got = first_notifications(other, 0ms);
  ASSERT_FALSE(got.empty());
  AnnouncementDecoder decoder(this_instance_id() + 1);
  auto a = decoder.feed(got[0]);
  ASSERT_TRUE(a);
  ASSERT_EQ(a->events.size(), 1u);
  EXPECT_EQ(std::get<OtaStatusChanged>(a->events[0]).response.error, "timed out");
}
