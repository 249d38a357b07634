// The presence tracker fed with what other instances committed (several instances, one
// database): their traffic keeps entities alive here, without raising transitions twice.
#include <gtest/gtest.h>

#include "domain/presence_tracker.hpp"

#include "presence_keys.hpp"

using namespace blazeiot;
using blazeiot::testing::device;

namespace {
constexpr EpochMs kTimeout = 10'000;
}  // namespace

TEST(PresenceTrackerCluster, TrafficElsewhereKeepsAnEntityOnline) {
  PresenceTracker t(kTimeout);
  t.observe(device("d"), 0);
  EXPECT_FALSE(t.touch(device("d"), 8'000));  // nothing to announce: it was online
  EXPECT_TRUE(t.expire(12'000).empty());
  EXPECT_EQ(t.expire(18'000).size(), 1u);
}

TEST(PresenceTrackerCluster, AnEntityOnlySeenElsewhereIsKnownAndTimesOut) {
  PresenceTracker t(kTimeout);
  EXPECT_FALSE(t.touch(device("d"), 1'000));  // registered (and logged) elsewhere
  EXPECT_EQ(t.online(EntityKind::device), 1u);
  auto out = t.expire(11'000);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].registered);
}

TEST(PresenceTrackerCluster, ATimeoutThatCrossedNewerTrafficIsUndone) {
  PresenceTracker t(kTimeout);
  t.observe(device("d"), 0);
  ASSERT_EQ(t.expire(10'000).size(), 1u);
  // Another instance had a message at 9 s that committed after the decision.
  auto back = t.touch(device("d"), 9'000);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, Presence::online);
  EXPECT_FALSE(back->registered);
  // Older traffic than the evidence changes nothing.
  ASSERT_EQ(t.expire(19'000).size(), 1u);
  EXPECT_FALSE(t.touch(device("d"), 8'000));
}

TEST(PresenceTrackerCluster, TrafficOlderThanALastWillElsewhereDoesNotRevive) {
  PresenceTracker t(kTimeout);
  t.observe(device("d"), 0);
  t.apply_remote(device("d"), Presence::offline, 5'000);
  EXPECT_EQ(t.online(EntityKind::device), 0u);
  EXPECT_FALSE(t.touch(device("d"), 4'000));
  EXPECT_EQ(t.online(EntityKind::device), 0u);
  EXPECT_TRUE(t.touch(device("d"), 6'000));
}

TEST(PresenceTrackerCluster, ARemoteOfflineOlderThanLocalTrafficIsIgnored) {
  PresenceTracker t(kTimeout);
  t.observe(device("d"), 7'000);
  t.apply_remote(device("d"), Presence::offline, 5'000);
  EXPECT_EQ(t.online(EntityKind::device), 1u);
  t.apply_remote(device("unknown"), Presence::offline, 5'000);
  EXPECT_EQ(t.count(EntityKind::device), 1u);
}

TEST(PresenceTrackerCluster, StoredRowsFillGapsButNeverOverrideNewerLocalKnowledge) {
  PresenceTracker t(kTimeout);
  t.observe(device("a"), 5'000);
  t.observe(device("b"), 5'000);
  t.merge_stored(device("a"), Presence::offline, 4'000, 6'000);  // older: ignored
  t.merge_stored(device("b"), Presence::offline, 5'000, 6'000);  // timed out elsewhere
  t.merge_stored(device("c"), Presence::online, 5'500, 6'000);   // never seen here
  EXPECT_EQ(t.online(EntityKind::device), 2u);
  EXPECT_EQ(t.count(EntityKind::device), 3u);
  // Newer traffic stored elsewhere brings b back and moves a's deadline.
  t.merge_stored(device("b"), Presence::online, 9'000, 9'500);
  t.merge_stored(device("a"), Presence::online, 9'000, 9'500);
  auto out = t.expire(15'500);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].key.id, "c");
  EXPECT_EQ(t.expire(19'000).size(), 2u);
}
