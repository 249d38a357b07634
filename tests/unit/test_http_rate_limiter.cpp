#include <gtest/gtest.h>

#include "http/login_throttle.hpp"
#include "http/rate_limiter.hpp"

namespace blazeiot {
namespace {

TEST(RateLimiter, CountsPerClientWithinAWindow) {
  FakeClock clock;
  RateLimiter limiter(clock, 3, 60);
  auto a1 = limiter.hit("a");
  EXPECT_TRUE(a1.allowed);
  EXPECT_EQ(a1.limit, 3);
  EXPECT_EQ(a1.remaining, 2);
  EXPECT_EQ(a1.reset_s, 60);
  EXPECT_TRUE(limiter.hit("a").allowed);
  clock.advance_ms(10'000);
  auto a3 = limiter.hit("a");
  EXPECT_TRUE(a3.allowed);
  EXPECT_EQ(a3.remaining, 0);
  EXPECT_EQ(a3.reset_s, 50);
  auto a4 = limiter.hit("a");
  EXPECT_FALSE(a4.allowed);
  EXPECT_EQ(a4.remaining, 0);
  // Another client is unaffected.
  EXPECT_TRUE(limiter.hit("b").allowed);
}

TEST(RateLimiter, WindowResets) {
  FakeClock clock;
  RateLimiter limiter(clock, 2, 60);
  limiter.hit("a");
  limiter.hit("a");
  EXPECT_FALSE(limiter.hit("a").allowed);
  clock.advance_ms(59'999);
  EXPECT_FALSE(limiter.hit("a").allowed);
  clock.advance_ms(1);
  auto fresh = limiter.hit("a");
  EXPECT_TRUE(fresh.allowed);
  EXPECT_EQ(fresh.remaining, 1);
}

TEST(RateLimiter, MemoryIsBounded) {
  FakeClock clock;
  RateLimiter limiter(clock, 1, 60, /*max_clients=*/100);
  for (int i = 0; i < 10'000; ++i) limiter.hit("client-" + std::to_string(i));
  // The most recent clients are still tracked; the oldest were dropped to make room.
  EXPECT_FALSE(limiter.hit("client-9999").allowed);
  EXPECT_TRUE(limiter.hit("client-0").allowed);
}

TEST(LoginThrottle, FreeAttemptsThenDoublingDelays) {
  FakeClock clock;
  LoginThrottleOptions o;
  o.free_account_failures = 3;
  o.free_client_failures = 100;
  LoginThrottle t(clock, o);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(t.wait_ms("admin", "1.1.1.1"), 0);
    t.record_failure("admin", "1.1.1.1");
  }
  EXPECT_EQ(t.wait_ms("admin", "1.1.1.1"), 1000);
  clock.advance_ms(1000);
  EXPECT_EQ(t.wait_ms("admin", "1.1.1.1"), 0);
  t.record_failure("admin", "1.1.1.1");
  EXPECT_EQ(t.wait_ms("admin", "1.1.1.1"), 2000);
  clock.advance_ms(2000);
  t.record_failure("admin", "1.1.1.1");
  EXPECT_EQ(t.wait_ms("admin", "1.1.1.1"), 4000);
  // Per account: another address trying the same account waits too.
  EXPECT_EQ(t.wait_ms("admin", "2.2.2.2"), 4000);
  // Another account is free.
  EXPECT_EQ(t.wait_ms("bob", "2.2.2.2"), 0);
}

TEST(LoginThrottle, DelayIsCapped) {
  FakeClock clock;
  LoginThrottleOptions o;
  o.free_account_failures = 0;
  o.max_delay_ms = 60'000;
  LoginThrottle t(clock, o);
  for (int i = 0; i < 40; ++i) t.record_failure("admin", "c");
  EXPECT_EQ(t.wait_ms("admin", "c"), 60'000);
}

TEST(LoginThrottle, PerClientAcrossAccounts) {
  FakeClock clock;
  LoginThrottleOptions o;
  o.free_account_failures = 100;
  o.free_client_failures = 5;
  LoginThrottle t(clock, o);
  for (int i = 0; i < 4; ++i) t.record_failure("user" + std::to_string(i), "6.6.6.6");
  EXPECT_EQ(t.wait_ms("user99", "6.6.6.6"), 0);
  t.record_failure("user4", "6.6.6.6");
  EXPECT_GT(t.wait_ms("user99", "6.6.6.6"), 0);
  EXPECT_EQ(t.wait_ms("user99", "7.7.7.7"), 0);
}

TEST(LoginThrottle, SuccessClearsTheAccountAndOldFailuresAreForgotten) {
  FakeClock clock;
  LoginThrottleOptions o;
  o.free_account_failures = 1;
  o.free_client_failures = 1000;
  o.forget_after_ms = 10'000;
  LoginThrottle t(clock, o);
  t.record_failure("a", "c");
  t.record_failure("a", "c");
  EXPECT_GT(t.wait_ms("a", "c"), 0);
  t.record_success("a", "c");
  EXPECT_EQ(t.wait_ms("a", "c"), 0);

  t.record_failure("b", "c");
  t.record_failure("b", "c");
  EXPECT_EQ(t.wait_ms("b", "c"), 2000);
  clock.advance_ms(10'001);
  EXPECT_EQ(t.wait_ms("b", "c"), 0);
  t.record_failure("b", "c");  // counting starts again: the first step, not the third
  EXPECT_EQ(t.wait_ms("b", "c"), 1000);
}

}  // namespace
}  // namespace blazeiot
