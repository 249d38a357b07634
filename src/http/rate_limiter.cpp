#include "http/rate_limiter.hpp"

#include <algorithm>

namespace blazeiot {

RateLimiter::RateLimiter(const Clock& clock, std::int64_t max_requests, std::int64_t window_s,
                         std::size_t max_clients)
    : clock_(clock), max_(max_requests), window_ms_(window_s * 1000), windows_(max_clients) {}

RateDecision RateLimiter::hit(std::string_view client) {
  const EpochMs now = clock_.now_ms();
  std::lock_guard lock(mutex_);
  Window& w = windows_.touch(client);
  if (w.count == 0 || now >= w.start + window_ms_) {
    w.start = now;
    w.count = 0;
  }
  RateDecision d;
  d.limit = max_;
  d.reset_s = std::max<std::int64_t>(1, (w.start + window_ms_ - now + 999) / 1000);
  if (w.count >= max_) {
    d.allowed = false;
    d.remaining = 0;
    return d;
  }
  ++w.count;
  d.remaining = max_ - w.count;
  return d;
}

}  // namespace blazeiot
