#include "domain/event_bus.hpp"

namespace blazeiot {

std::shared_ptr<void> EventBus::subscribe(Handler handler) {
  auto slot = std::make_shared<Slot>(Slot{std::move(handler)});
  std::lock_guard lock(mutex_);
  slots_.push_back(slot);
  return slot;
}

std::vector<std::shared_ptr<EventBus::Slot>> EventBus::live_slots() {
  // Copy the live handlers out so they run without the lock (they may subscribe).
  std::vector<std::shared_ptr<Slot>> live;
  std::lock_guard lock(mutex_);
  std::erase_if(slots_, [](const std::weak_ptr<Slot>& w) { return w.expired(); });
  live.reserve(slots_.size());
  for (auto& w : slots_)
    if (auto s = w.lock()) live.push_back(std::move(s));
  return live;
}

void EventBus::publish(const PlatformEvent& event) {
  for (auto& s : live_slots()) s->handler(event);
}

void EventBus::publish(const std::vector<PlatformEvent>& events) {
  if (events.empty()) return;
  auto live = live_slots();
  for (const PlatformEvent& e : events)
    for (auto& s : live) s->handler(e);
}

}  // namespace blazeiot
