#include "domain/event_bus.hpp"

namespace blazeiot {

std::shared_ptr<void> EventBus::subscribe(Handler handler) {
  auto slot = std::make_shared<Slot>(Slot{std::move(handler)});
  std::lock_guard lock(mutex_);
  slots_.push_back(slot);
  return slot;
}

void EventBus::publish(const PlatformEvent& event) {
  // Copy the live handlers out, then call them without the lock (they may subscribe).
  std::vector<std::shared_ptr<Slot>> live;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(slots_, [](const std::weak_ptr<Slot>& w) { return w.expired(); });
    live.reserve(slots_.size());
    for (auto& w : slots_)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->handler(event);
}

}  // namespace blazeiot
