#include <gtest/gtest.h>

#include "ws/ws_outbox.hpp"

using namespace blazeiot;

namespace {
std::shared_ptr<const std::string> text(std::size_t n, char c = 'x') {
  return std::make_shared<const std::string>(n, c);
}
}  // namespace

TEST(WsOutbox, QueuesInOrderBelowTheSoftLimit) {
  WsOutbox box(100, 200);
  EXPECT_EQ(box.push("a", text(10, '1')), WsOutbox::Result::queued);
  EXPECT_EQ(box.push("a", text(10, '2')), WsOutbox::Result::queued);
  EXPECT_EQ(box.bytes(), 20u);
  EXPECT_EQ(*box.pop(), std::string(10, '1'));
  EXPECT_EQ(*box.pop(), std::string(10, '2'));
  EXPECT_EQ(box.pop(), nullptr);
}

TEST(WsOutbox, PastTheSoftLimitKeepsOnlyTheLatestPerSource) {
  WsOutbox box(30, 1000);
  box.push("sensor-1", text(20, '1'));
  box.push("sensor-2", text(20, '2'));
  EXPECT_EQ(box.push("sensor-1", text(20, '3')), WsOutbox::Result::coalesced);
  EXPECT_EQ(box.size(), 2u);
  EXPECT_EQ(box.coalesced(), 1u);
  EXPECT_EQ(*box.pop(), std::string(20, '3'));  // first place, newest value
  EXPECT_EQ(*box.pop(), std::string(20, '2'));
}

TEST(WsOutbox, OverflowsPastTheHardLimitWhenNothingCanBeReplaced) {
  WsOutbox box(10, 50);
  EXPECT_EQ(box.push("", text(40)), WsOutbox::Result::queued);
  EXPECT_EQ(box.push("", text(20)), WsOutbox::Result::overflow);
  EXPECT_EQ(box.bytes(), 40u);
}

TEST(WsOutbox, MemoryStaysBoundedUnderAnEndlessStream) {
  WsOutbox box(1000, 4000);
  for (int i = 0; i < 100'000; ++i) {
    auto r = box.push("src-" + std::to_string(i % 20), text(100));
    ASSERT_NE(r, WsOutbox::Result::overflow);
  }
  EXPECT_LE(box.bytes(), 4000u);
  EXPECT_LE(box.size(), 40u);
}

TEST(WsOutbox, CoalescesRightAfterTheQueueDrainedAndFilledAgain) {
  WsOutbox box(30, 1000);
  for (int round = 0; round < 3; ++round) {
    box.push("a", text(20, 'a'));
    box.push("b", text(20, 'b'));
    EXPECT_EQ(box.push("a", text(20, 'A')), WsOutbox::Result::coalesced);
    EXPECT_EQ(box.push("b", text(20, 'B')), WsOutbox::Result::coalesced);
    box.push("", text(5, 'r'));  // a reply is never replaced
    EXPECT_EQ(*box.pop(), std::string(20, 'A'));
    // "a" left the queue: a new "a" queues behind, then the next one replaces it.
    EXPECT_EQ(box.push("a", text(20, 'n')), WsOutbox::Result::queued);
    EXPECT_EQ(box.push("a", text(20, 'm')), WsOutbox::Result::coalesced);
    EXPECT_EQ(*box.pop(), std::string(20, 'B'));
    EXPECT_EQ(*box.pop(), std::string(5, 'r'));
    EXPECT_EQ(*box.pop(), std::string(20, 'm'));
    EXPECT_EQ(box.pop(), nullptr);
    EXPECT_EQ(box.bytes(), 0u);
  }
}
