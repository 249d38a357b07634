#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "domain/presence_tracker.hpp"

#include "presence_keys.hpp"

using namespace blazeiot;
using blazeiot::testing::device;

TEST(PresenceTracker, FirstMessageRegistersAndComesOnline) {
  FakeClock clock;
  PresenceTracker t(300'000);
  auto tr = t.observe(device("Device0001"), clock.now_ms());
  ASSERT_TRUE(tr);
  EXPECT_TRUE(tr->registered);
  EXPECT_EQ(tr->status, Presence::online);
  EXPECT_FALSE(t.observe(device("Device0001"), clock.now_ms()));
  EXPECT_EQ(t.online(EntityKind::device), 1u);
}

TEST(PresenceTracker, GoesOfflineExactlyAtTheTimeoutNotBefore) {
  FakeClock clock;
  PresenceTracker t(300'000);
  t.observe(device("d"), clock.now_ms());
  clock.advance_ms(299'999);
  EXPECT_TRUE(t.expire(clock.now_ms()).empty());
  clock.advance_ms(1);
  auto out = t.expire(clock.now_ms());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status, Presence::offline);
  EXPECT_EQ(out[0].key.id, "d");
  EXPECT_EQ(t.online(EntityKind::device), 0u);
}

TEST(PresenceTracker, TrafficPostponesTheTimeout) {
  FakeClock clock;
  PresenceTracker t(10'000);
  t.observe(device("d"), clock.now_ms());
  clock.advance_ms(8'000);
  t.observe(device("d"), clock.now_ms());
  clock.advance_ms(8'000);
  EXPECT_TRUE(t.expire(clock.now_ms()).empty());
  EXPECT_EQ(t.pending_deadlines(), 1u);
  clock.advance_ms(2'000);
  EXPECT_EQ(t.expire(clock.now_ms()).size(), 1u);
}

TEST(PresenceTracker, OneDeadlinePerEntityHoweverManyMessages) {
  FakeClock clock;
  PresenceTracker t(10'000);
  for (int i = 0; i < 10'000; ++i) {
    t.observe(device("d"), clock.now_ms());
    clock.advance_ms(1);
  }
  EXPECT_EQ(t.pending_deadlines(), 1u);
}

TEST(PresenceTracker, ReportOfflineIsImmediateAndNextMessageBringsItBack) {
  FakeClock clock;
  PresenceTracker t(300'000);
  t.observe(device("d"), clock.now_ms());
  auto off = t.report(device("d"), Presence::offline, clock.now_ms());
  ASSERT_TRUE(off);
  EXPECT_EQ(off->status, Presence::offline);
  EXPECT_FALSE(t.report(device("d"), Presence::offline, clock.now_ms()));
  auto on = t.observe(device("d"), clock.now_ms());
  ASSERT_TRUE(on);
  EXPECT_FALSE(on->registered);
  EXPECT_EQ(on->status, Presence::online);
}

TEST(PresenceTracker, OfflineReportForUnknownEntityIsIgnored) {
  PresenceTracker t(1000);
  EXPECT_FALSE(t.report(device("ghost"), Presence::offline, 0));
  EXPECT_EQ(t.count(EntityKind::device), 0u);
}

TEST(PresenceTracker, NodesAreKeyedByMacAndGateway) {
  PresenceTracker t(1000);
  EXPECT_TRUE(t.observe({EntityKind::node, "58:8c:81:ab:a6:16", "gw1"}, 0));
  EXPECT_TRUE(t.observe({EntityKind::node, "58:8c:81:ab:a6:16", "gw2"}, 0));
  EXPECT_EQ(t.count(EntityKind::node), 2u);
}

TEST(PresenceTracker, LoadedOnlineEntityExpiresFromItsStoredLastSeen) {
  PresenceTracker t(1000);
  t.load(device("d"), Presence::online, EpochMs{5'000}, 5'500);
  EXPECT_TRUE(t.expire(5'999).empty());
  EXPECT_EQ(t.expire(6'000).size(), 1u);
}
