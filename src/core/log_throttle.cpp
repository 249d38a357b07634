#include "core/log_throttle.hpp"

namespace blazeiot {

bool LogThrottle::allow(Clock::time_point now, std::size_t& left_out) {
  std::lock_guard lock(mutex_);
  if (!started_ || now - window_start_ >= window_) {
    started_ = true;
    window_start_ = now;
    logged_ = 0;
  }
  if (logged_ >= burst_) {
    ++left_out_;
    return false;
  }
  ++logged_;
  left_out = left_out_;
  left_out_ = 0;
  return true;
}

}  // namespace blazeiot
