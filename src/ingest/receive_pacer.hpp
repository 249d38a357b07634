#pragma once
// How much input the broker connection lets the kernel gather before it wakes the reader.
//
// A broker writes one packet at a time. A reader that waits for "any byte" is woken, and
// goes once through the event loop, for every few messages: at 50,000 messages a second
// that was most of the MQTT thread's CPU, and the broker paid for the wake-ups too (its
// sends wake our thread). Above a message rate, the reader instead asks the kernel
// (SO_RCVLOWAT) to wake it only once about a millisecond of input has arrived, with a
// deadline in case the flow stops short of that; below it, every byte wakes the reader, so
// a quiet plant sees no added latency.
//
// Pure bookkeeping, no I/O and no clock of its own: the read loop reports each read and
// applies the mark this returns.
#include <chrono>
#include <cstddef>

namespace blazeiot {

struct ReceivePacerOptions {
  // Messages per second from which reads are gathered. A live dashboard's latency matters
  // most at lower rates, where the commit spacing (2 ms) dominates anyway.
  double gather_above_per_s = 20'000;
  // About this much input is gathered per wake-up...
  std::chrono::microseconds gather{1000};
  // ...but no more than this many bytes (the read buffer's size).
  std::size_t max_mark = 64 * 1024;
  // The rate is measured over windows of this length.
  std::chrono::milliseconds window{10};
};

class ReceivePacer {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ReceivePacer(ReceivePacerOptions options = {}) : options_(options) {}

  // A read returned `bytes` holding `messages` complete packets at `now`. Returns true when
  // the low-water mark changed and must be applied to the socket.
  bool on_read(std::size_t bytes, std::size_t messages, Clock::time_point now);

  // Bytes the kernel should gather before waking the reader; 1 = any byte.
  std::size_t mark() const { return mark_; }
  bool gathering() const { return mark_ > 1; }
  // Messages per second over the last complete window.
  double rate() const { return rate_; }
  // The longest a gathering reader waits before it reads whatever has arrived.
  std::chrono::microseconds deadline() const { return 2 * options_.gather; }

 private:
  ReceivePacerOptions options_;
  std::size_t mark_ = 1;
  double rate_ = 0;
  bool started_ = false;
  Clock::time_point window_start_{};
  std::size_t window_bytes_ = 0;
  std::size_t window_messages_ = 0;
};

}  // namespace blazeiot
