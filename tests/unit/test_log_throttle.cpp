#include <gtest/gtest.h>

#include "core/log_throttle.hpp"

namespace blazeiot {
namespace {

using namespace std::chrono_literals;

TEST(LogThrottle, LetsABurstThroughPerWindowAndCountsTheRest) {
  LogThrottle throttle(2, 10s);
  const auto t0 = LogThrottle::Clock::time_point{} + 1h;
  std::size_t left_out = 99;
  EXPECT_TRUE(throttle.allow(t0, left_out));
  EXPECT_EQ(left_out, 0u);
  EXPECT_TRUE(throttle.allow(t0 + 1s, left_out));
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(throttle.allow(t0 + 2s, left_out));
  EXPECT_FALSE(throttle.allow(t0 + 9s, left_out));
  // A new window: the first line says how many were left out.
  EXPECT_TRUE(throttle.allow(t0 + 10s, left_out));
  EXPECT_EQ(left_out, 6u);
  EXPECT_TRUE(throttle.allow(t0 + 11s, left_out));
  EXPECT_EQ(left_out, 0u);
}

}  // namespace
}  // namespace blazeiot
