#include "ingest/receive_pacer.hpp"

#include <algorithm>

namespace blazeiot {

bool ReceivePacer::on_read(std::size_t bytes, std::size_t messages, Clock::time_point now) {
  if (!started_) {
    started_ = true;
    window_start_ = now;
  }
  window_bytes_ += bytes;
  window_messages_ += messages;
  const auto elapsed = now - window_start_;
  if (elapsed < options_.window) return false;

  const double seconds = std::chrono::duration<double>(elapsed).count();
  rate_ = static_cast<double>(window_messages_) / seconds;
  std::size_t mark = 1;
  if (rate_ >= options_.gather_above_per_s) {
    // A millisecond of input at the rate just seen. The broker may also hold back QoS 1
    // messages until we acknowledge earlier ones, but acknowledgements follow commits,
    // which are at least 2 ms apart, so a rate sustained through them brings at least two
    // milliseconds of input between them: a one-millisecond mark is reached.
    const double bytes_per_s = static_cast<double>(window_bytes_) / seconds;
    const auto want = static_cast<std::size_t>(
        bytes_per_s * std::chrono::duration<double>(options_.gather).count());
    mark = std::clamp<std::size_t>(want, 1, options_.max_mark);
  }
  window_start_ = now;
  window_bytes_ = 0;
  window_messages_ = 0;
  const bool changed = mark != mark_;
  mark_ = mark;
  return changed;
}

}  // namespace blazeiot
