#pragma once
// Time sources. Logic that depends on "now" takes a Clock so tests can drive it.
#include <chrono>
#include <cstdint>

namespace blazeiot {

// Milliseconds since the Unix epoch, UTC.
using EpochMs = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual EpochMs now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  EpochMs now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(EpochMs start = 1'700'000'000'000) : now_(start) {}
  EpochMs now_ms() const override { return now_; }
  void advance_ms(EpochMs delta) { now_ += delta; }

 private:
  EpochMs now_;
};

}  // namespace blazeiot
