#include "ingest/receive_pacer.hpp"

#include <gtest/gtest.h>

namespace blazeiot {
namespace {

using namespace std::chrono_literals;
using PacerClock = ReceivePacer::Clock;

// Reads of `bytes` holding `messages` each, every `every`, for `span`, starting at `*now`.
bool feed(ReceivePacer& pacer, PacerClock::time_point* now, std::size_t bytes,
          std::size_t messages, PacerClock::duration every, PacerClock::duration span) {
  bool changed = false;
  for (auto end = *now + span; *now < end; *now += every)
    changed |= pacer.on_read(bytes, messages, *now);
  return changed;
}

TEST(ReceivePacer, QuietFlowWakesOnEveryByte) {
  ReceivePacer pacer;
  auto now = PacerClock::time_point{} + 1h;
  // 5,000 messages a second of 130 bytes: a busy plant, but below the gathering rate.
  EXPECT_FALSE(feed(pacer, &now, 130, 1, 200us, 100ms));
  EXPECT_EQ(pacer.mark(), 1u);
  EXPECT_FALSE(pacer.gathering());
  EXPECT_NEAR(pacer.rate(), 5000, 100);
}

TEST(ReceivePacer, FastFlowGathersAboutAMillisecondOfInput) {
  ReceivePacer pacer;
  auto now = PacerClock::time_point{} + 1h;
  // 50,000 messages a second of 130 bytes, read six at a time: 6.5 MB/s.
  EXPECT_TRUE(feed(pacer, &now, 6 * 130, 6, 120us, 30ms));
  EXPECT_TRUE(pacer.gathering());
  EXPECT_NEAR(static_cast<double>(pacer.mark()), 6500, 200);
  EXPECT_EQ(pacer.deadline(), 2000us);
}

TEST(ReceivePacer, MarkNeverExceedsTheReadBuffer) {
  ReceivePacer pacer;
  auto now = PacerClock::time_point{} + 1h;
  // 1 GB/s of large messages.
  feed(pacer, &now, 64 * 1024, 64, 64us, 30ms);
  EXPECT_EQ(pacer.mark(), 64u * 1024);
}

TEST(ReceivePacer, StopsGatheringWhenTheFlowSlowsDown) {
  ReceivePacer pacer;
  auto now = PacerClock::time_point{} + 1h;
  feed(pacer, &now, 6 * 130, 6, 120us, 30ms);
  ASSERT_TRUE(pacer.gathering());
  // Then one message after a long silence, as a deadline-ended wait would read it: the
  // window it closes saw almost nothing, so every byte wakes the reader again.
  now += 5s;
  EXPECT_TRUE(pacer.on_read(130, 1, now));
  EXPECT_EQ(pacer.mark(), 1u);
}

TEST(ReceivePacer, DecidesOncePerWindowOnly) {
  ReceivePacer pacer;
  auto now = PacerClock::time_point{} + 1h;
  // A burst shorter than a window changes nothing until the window is over.
  EXPECT_FALSE(feed(pacer, &now, 64 * 1024, 500, 100us, 9ms));
  EXPECT_EQ(pacer.mark(), 1u);
  now += 1ms;
  EXPECT_TRUE(pacer.on_read(130, 1, now));
  EXPECT_TRUE(pacer.gathering());
}

TEST(ReceivePacer, ThresholdIsAnOption) {
  ReceivePacerOptions options;
  options.gather_above_per_s = 1000;
  options.gather = 500us;
  ReceivePacer pacer(options);
  auto now = PacerClock::time_point{} + 1h;
  feed(pacer, &now, 130, 1, 200us, 30ms);  // 5,000 msg/s, 650 kB/s
  EXPECT_TRUE(pacer.gathering());
  EXPECT_NEAR(static_cast<double>(pacer.mark()), 325, 20);
  EXPECT_EQ(pacer.deadline(), 1000us);
}

}  // namespace
}  // namespace blazeiot
