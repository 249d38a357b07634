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

void WsClient::offer(const WsEvent& event) {
  {
    std::lock_guard lock(mutex_);
    const auto& sub = subscriptions_[static_cast<int>(event.channel)];
    if (!sub || !sub->matches(event)) return;
  }
  enqueue(event.coalesce_key, event.text);
}

void WsClient::reply(std::string text) {
  enqueue({}, std::make_shared<const std::string>(std::move(text)));
}

void WsClient::enqueue(const std::string& key, std::shared_ptr<const std::string> text) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (overflowed_) return;
    if (outbox_.push(key, std::move(text)) == WsOutbox::Result::overflow) overflowed_ = true;
    if (writer_idle_) {
      writer_idle_ = false;
      wake = true;
    }
  }
  if (wake) wake_();  // outside the lock: it posts to the session's strand
}

std::shared_ptr<const std::string> WsClient::next() {
  std::lock_guard lock(mutex_);
  auto text = outbox_.pop();
  if (!text && !overflowed_) writer_idle_ = true;
  return text;
}

bool WsClient::overflowed() const {
  std::lock_guard lock(mutex_);
  return overflowed_;
}

std::size_t WsClient::queued_bytes() const {
  std::lock_guard lock(mutex_);
  return outbox_.bytes();
}

WsHub::WsHub(EventBus& bus, std::size_t soft_limit, std::size_t hard_limit)
    : soft_limit_(soft_limit), hard_limit_(hard_limit) {
  subscription_ = bus.subscribe([this](const PlatformEvent& e) { on_event(e); });
}

WsHub::~WsHub() { subscription_.reset(); }

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

void WsHub::on_event(const PlatformEvent& event) {
  if (count_.load() == 0) return;  // nobody listening: don't even serialise
  auto ws_event = to_ws_event(event);
  if (!ws_event) return;
  std::vector<std::shared_ptr<WsClient>> targets;
  {
    std::lock_guard lock(mutex_);
    targets.reserve(clients_.size());
    for (auto& [id, weak] : clients_)
      if (auto c = weak.lock()) targets.push_back(std::move(c));
  }
  for (auto& c : targets) c->offer(*ws_event);
}

}  // namespace blazeiot
