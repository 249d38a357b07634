#pragma once
// Fan-out of PlatformEvents to subscribers. publish() may be called from any thread;
// handlers run on the publishing thread and must not block (hand work to your own executor).
#include <functional>
#include <mutex>
#include <memory>
#include <vector>

#include "domain/events.hpp"

namespace blazeiot {

class EventBus {
 public:
  using Handler = std::function<void(const PlatformEvent&)>;

  // Returns a token; dropping it unsubscribes.
  [[nodiscard]] std::shared_ptr<void> subscribe(Handler handler);
  void publish(const PlatformEvent& event);
  // The same for a committed batch's events, in order, taking the lock once.
  void publish(const std::vector<PlatformEvent>& events);

 private:
  struct Slot {
    Handler handler;
  };
  std::vector<std::shared_ptr<Slot>> live_slots();
  std::mutex mutex_;
  std::vector<std::weak_ptr<Slot>> slots_;
};

}  // namespace blazeiot
