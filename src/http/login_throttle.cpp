#include "http/login_throttle.hpp"

#include <algorithm>

namespace blazeiot {

LoginThrottle::LoginThrottle(const Clock& clock, LoginThrottleOptions options)
    : clock_(clock),
      options_(options),
      accounts_(options.max_entries),
      clients_(options.max_entries) {}

EpochMs LoginThrottle::wait_in(Table& table, std::string_view key, EpochMs now) {
  Failures* f = table.find(key);
  if (!f) return 0;
  if (now - f->last > options_.forget_after_ms) {
    table.erase(key);
    return 0;
  }
  return std::max<EpochMs>(0, f->blocked_until - now);
}

void LoginThrottle::fail_in(Table& table, std::string_view key, int free_failures, EpochMs now) {
  Failures& f = table.touch(key);
  if (f.count > 0 && now - f.last > options_.forget_after_ms) f = Failures{};
  ++f.count;
  f.last = now;
  // Once the free failures are used up, every further attempt waits: 1 step, 2, 4, ...
  const int over = f.count - free_failures + 1;
  if (over > 0) {
    EpochMs delay = options_.base_delay_ms;
    for (int i = 1; i < over && delay < options_.max_delay_ms; ++i) delay *= 2;
    f.blocked_until = now + std::min(delay, options_.max_delay_ms);
  }
}

EpochMs LoginThrottle::wait_ms(std::string_view account, std::string_view client) {
  const EpochMs now = clock_.now_ms();
  std::lock_guard lock(mutex_);
  return std::max(wait_in(accounts_, account, now), wait_in(clients_, client, now));
}

void LoginThrottle::record_failure(std::string_view account, std::string_view client) {
  const EpochMs now = clock_.now_ms();
  std::lock_guard lock(mutex_);
  fail_in(accounts_, account, options_.free_account_failures, now);
  fail_in(clients_, client, options_.free_client_failures, now);
}

void LoginThrottle::record_success(std::string_view account, std::string_view client) {
  // The client's count is left to decay: a valid login of its own must not buy an attacker
  // fresh guesses against other accounts.
  (void)client;
  std::lock_guard lock(mutex_);
  accounts_.erase(account);
}

}  // namespace blazeiot
