#pragma once
// Lets through at most `burst` log lines per `window` and counts the rest, so that the next
// line let through can say how many were left out. Where a client can provoke a log line on
// purpose (a refused connection), it then cannot flush the log files, which rotate at a fixed
// size. Thread-safe.
#include <chrono>
#include <cstddef>
#include <mutex>

namespace blazeiot {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  LogThrottle(std::size_t burst, Clock::duration window) : burst_(burst), window_(window) {}

  // Whether to log the line due at `now`. When it is, `left_out` is set to the number of
  // lines not logged since the last one that was.
  bool allow(Clock::time_point now, std::size_t& left_out);

 private:
  const std::size_t burst_;
  const Clock::duration window_;
  std::mutex mutex_;
  bool started_ = false;
  Clock::time_point window_start_{};
  std::size_t logged_ = 0;
  std::size_t left_out_ = 0;
};

}  // namespace blazeiot
