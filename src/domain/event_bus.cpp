#include "domain/event_bus.hpp"

namespace blazeiot {

std::shared_ptr<void> EventBus::subscribe(Handler handler) {
  auto slot = std::make_shared<Slot>(Slot{std::move(handler), nullptr});
  std::lock_guard lock(mutex_);
  slots_.push_back(slot);
  return slot;
}

std::shared_ptr<void> EventBus::subscribe_batches(BatchHandler handler) {
  auto slot = std::make_shared<Slot>(Slot{nullptr, std::move(handler)});
  std::lock_guard lock(mutex_);
  slots_.push_back(slot);
  return slot;
}

void EventBus::Slot::deliver(std::span<const PlatformEvent> events) const {
  if (batch_handler) {
    batch_handler(events);
    return;
  }
  for (const PlatformEvent& e : events) handler(e);
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
  for (auto& s : live_slots()) s->deliver(std::span<const PlatformEvent>(&event, 1));
}

void EventBus::publish(const std::vector<PlatformEvent>& events) {
  if (events.empty()) return;
  for (auto& s : live_slots()) s->deliver(events);
}

}  // namespace blazeiot
