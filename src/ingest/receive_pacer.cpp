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
    // A millisecond of input at the rate just seen. A broker also holds back QoS 1 messages
    // past its in-flight window until we acknowledge earlier ones, and acknowledgements
    // follow commits, at least 2 ms apart. A rate held up by such a window therefore brings
    // a window's worth of input per 2 ms or more, and the mark, at most half of that, is
    // reached. (Mosquitto's default window, 20 messages, cannot carry 20,000 msg/s that
    // way at all; the embedded broker's is 1,000.)
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
