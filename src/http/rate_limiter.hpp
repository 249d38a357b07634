#pragma once
// Fixed-window request limit per client (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW), reported with
// the IETF RateLimit-* header fields. Memory is bounded by max_clients. Thread-safe.
#include <cstdint>
#include <mutex>
#include <string_view>

#include "core/clock.hpp"
#include "http/bounded_lru_map.hpp"

namespace blazeiot {

struct RateDecision {
  bool allowed = true;
  std::int64_t limit = 0;
  std::int64_t remaining = 0;
  std::int64_t reset_s = 0;  // seconds until the window ends
};

class RateLimiter {
 public:
  RateLimiter(const Clock& clock, std::int64_t max_requests, std::int64_t window_s,
              std::size_t max_clients = 100'000);

  // Counts one request from client and says whether it may proceed.
  RateDecision hit(std::string_view client);

 private:
  struct Window {
    EpochMs start = 0;
    std::int64_t count = 0;
  };

  const Clock& clock_;
  const std::int64_t max_;
  const EpochMs window_ms_;
  std::mutex mutex_;
  BoundedLruMap<Window> windows_;
};

}  // namespace blazeiot
