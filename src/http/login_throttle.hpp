#pragma once
// Slows down password guessing. Failed logins are counted per account and per client; once
// the free failures are used up, each further failure doubles the wait before the next attempt
// is even checked (1 s, 2 s, 4 s, ... up to 15 min). A success clears the account's counter. Memory
// is bounded; counters are forgotten after a quiet period. Thread-safe.
#include <cstdint>
#include <mutex>
#include <string_view>

#include "core/clock.hpp"
#include "http/bounded_lru_map.hpp"

namespace blazeiot {

struct LoginThrottleOptions {
  int free_account_failures = 5;
  int free_client_failures = 20;
  EpochMs base_delay_ms = 1000;
  EpochMs max_delay_ms = 15 * 60 * 1000;
  EpochMs forget_after_ms = 60 * 60 * 1000;
  std::size_t max_entries = 100'000;
};

class LoginThrottle {
 public:
  explicit LoginThrottle(const Clock& clock, LoginThrottleOptions options = {});

  // 0 when an attempt may be checked now, else milliseconds to wait.
  EpochMs wait_ms(std::string_view account, std::string_view client);
  void record_failure(std::string_view account, std::string_view client);
  void record_success(std::string_view account, std::string_view client);

 private:
  struct Failures {
    int count = 0;
    EpochMs last = 0;
    EpochMs blocked_until = 0;
  };
  using Table = BoundedLruMap<Failures>;

  EpochMs wait_in(Table& table, std::string_view key, EpochMs now);
  void fail_in(Table& table, std::string_view key, int free_failures, EpochMs now);

  const Clock& clock_;
  const LoginThrottleOptions options_;
  std::mutex mutex_;
  Table accounts_;
  Table clients_;
};

}  // namespace blazeiot
