#include "ws/ws_hub.hpp"

#include <vector>

namespace blazeiot {

bool WsFilter::matches(const WsEvent& e) const {
  return (device_id.empty() || device_id == e.device_id) &&
         (gateway_id.empty() || gateway_id == e.gateway_id) &&
         (type.empty() || type == e.reading_type);
}

WsClient::WsClient(std::uint64_t id, std::size_t soft_limit, std::size_t hard_limit,
                   std::function<void()> wake)
    : id_(id), wake_(std::move(wake)), outbox_(soft_limit, hard_limit) {}

void WsClient::subscribe(WsChannel channel, WsFilter filter) {
  std::lock_guard lock(mutex_);
  subscriptions_[static_cast<int>(channel)] = std::move(filter);
}

bool WsClient::unsubscribe(WsChannel channel) {
  std::lock_guard lock(mutex_);
  auto& s = subscriptions_[static_cast<int>(channel)];
  bool was = s.has_value();
  s.reset();
  return was;
}

void WsClient::offer(std::span<const WsEvent> events) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    for (const WsEvent& event : events) {
      const auto& sub = subscriptions_[static_cast<int>(event.channel)];
      if (sub && sub->matches(event)) wake |= push_locked(event.coalesce_key, event.text);
    }
  }
  if (wake) wake_();  // outside the lock: it may send to the client right away
}

void WsClient::reply(std::string text) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    wake = push_locked(nullptr, std::make_shared<const std::string>(std::move(text)));
  }
  if (wake) wake_();
}

bool WsClient::push_locked(WsOutbox::Key key, std::shared_ptr<const std::string> text) {
  if (overflowed_) return false;
  if (outbox_.push(key, std::move(text)) == WsOutbox::Result::overflow) overflowed_ = true;
  if (!writer_idle_) return false;
  writer_idle_ = false;
  return true;
}

std::vector<std::shared_ptr<const std::string>> WsClient::next_batch(std::size_t max_bytes) {
  std::vector<std::shared_ptr<const std::string>> batch;
  std::size_t bytes = 0;
  std::lock_guard lock(mutex_);
  while (bytes < max_bytes) {
    auto text = outbox_.pop();
    if (!text) break;
    bytes += text->size();
    batch.push_back(std::move(text));
  }
  if (batch.empty() && !overflowed_) writer_idle_ = true;
  return batch;
}

bool WsClient::overflowed() const {
  std::lock_guard lock(mutex_);
  return overflowed_;
}

std::size_t WsClient::queued_bytes() const {
  std::lock_guard lock(mutex_);
  return outbox_.bytes();
}

WsHub::WsHub(EventBus& bus, std::size_t soft_limit, std::size_t hard_limit, EventBus* remote)
    : soft_limit_(soft_limit), hard_limit_(hard_limit) {
  subscription_ =
      bus.subscribe_batches([this](std::span<const PlatformEvent> e) { on_events(e); });
  if (remote) {
    remote_subscription_ =
        remote->subscribe_batches([this](std::span<const PlatformEvent> e) { on_events(e); });
  }
}

WsHub::~WsHub() {
  subscription_.reset();
  remote_subscription_.reset();
}

std::shared_ptr<WsClient> WsHub::add(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  auto client = std::make_shared<WsClient>(next_id_++, soft_limit_, hard_limit_, std::move(wake));
  clients_[client->id()] = client;
  count_ = clients_.size();
  return client;
}

void WsHub::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  clients_.erase(id);
  count_ = clients_.size();
}

void WsHub::on_events(std::span<const PlatformEvent> events) {
  if (count_.load() == 0) return;  // nobody listening: don't even serialise
  std::vector<WsEvent> ws_events;
  ws_events.reserve(events.size());
  for (const PlatformEvent& e : events)
    if (auto w = to_ws_event(e)) ws_events.push_back(std::move(*w));
  if (ws_events.empty()) return;
  std::vector<std::shared_ptr<WsClient>> targets;
  {
    std::lock_guard lock(mutex_);
    targets.reserve(clients_.size());
    for (auto& [id, weak] : clients_)
      if (auto c = weak.lock()) targets.push_back(std::move(c));
  }
  for (auto& c : targets) c->offer(ws_events);
}

}  // namespace blazeiot
