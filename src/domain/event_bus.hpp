#pragma once
// Fan-out of PlatformEvents to subscribers. publish() may be called from any thread;
// handlers run on the publishing thread and must not block (hand work to your own executor).
#include <functional>
#include <mutex>
#include <memory>
#include <span>
#include <vector>

#include "domain/events.hpp"

namespace blazeiot {

class EventBus {
 public:
  using Handler = std::function<void(const PlatformEvent&)>;
  // Gets a committed batch's events in one call (one wake-up per batch for fan-out to many
  // clients instead of one per event).
  using BatchHandler = std::function<void(std::span<const PlatformEvent>)>;

  // Returns a token; dropping it unsubscribes.
  [[nodiscard]] std::shared_ptr<void> subscribe(Handler handler);
  [[nodiscard]] std::shared_ptr<void> subscribe_batches(BatchHandler handler);
  void publish(const PlatformEvent& event);
  // The same for a committed batch's events, in order, taking the lock once.
  void publish(const std::vector<PlatformEvent>& events);

 private:
  struct Slot {
    Handler handler;
    BatchHandler batch_handler;  // set instead of handler
    void deliver(std::span<const PlatformEvent> events) const;
  };
  std::vector<std::shared_ptr<Slot>> live_slots();
  std::mutex mutex_;
  std::vector<std::weak_ptr<Slot>> slots_;
};

}  // namespace blazeiot
