#pragma once
// Fan-out of committed platform events to WebSocket clients. Each event is serialised once;
// each client gets it only for channels it subscribed to, through its own bounded outbox.
// Producers (the event bus) and consumers (the sessions) meet only under a client's mutex.
#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/event_bus.hpp"
#include "ws/ws_event.hpp"
#include "ws/ws_outbox.hpp"

namespace blazeiot {

// Optional narrowing of a subscription; empty fields match anything.
struct WsFilter {
  std::string device_id;  // a device, or a node's mac
  std::string gateway_id;
  std::string type;       // reading type
  bool matches(const WsEvent& e) const;
};

class WsClient {
 public:
  WsClient(std::uint64_t id, std::size_t soft_limit, std::size_t hard_limit,
           std::function<void()> wake);

  std::uint64_t id() const { return id_; }
  void subscribe(WsChannel channel, WsFilter filter);
  bool unsubscribe(WsChannel channel);

  // Producer side: queue the events it subscribed to; wakes the session's writer (once) when
  // needed.
  void offer(std::span<const WsEvent> events);
  // A reply to the client itself (pong, subscribed, errors).
  void reply(std::string text);

  // Consumer side:
  // The queued messages, oldest first, up to about max_bytes (at least one when any is
  // queued); empty: the next push wakes the writer.
  std::vector<std::shared_ptr<const std::string>> next_batch(std::size_t max_bytes);
  bool overflowed() const;
  std::size_t queued_bytes() const;

 private:
  // Queues under the lock; true when the writer must be woken.
  bool push_locked(WsOutbox::Key key, std::shared_ptr<const std::string> text);

  const std::uint64_t id_;
  std::function<void()> wake_;
  mutable std::mutex mutex_;
  WsOutbox outbox_;
  std::array<std::optional<WsFilter>, kWsChannelCount> subscriptions_;
  bool writer_idle_ = true;
  bool overflowed_ = false;
};

class WsHub {
 public:
  // `remote`: events other instances committed (cluster/cluster_link.hpp), delivered to
  // clients like the local ones.
  WsHub(EventBus& bus, std::size_t soft_limit, std::size_t hard_limit,
        EventBus* remote = nullptr);
  ~WsHub();

  std::shared_ptr<WsClient> add(std::function<void()> wake);
  void remove(std::uint64_t id);
  std::size_t connections() const { return count_.load(); }

 private:
  void on_events(std::span<const PlatformEvent> events);

  std::size_t soft_limit_;
  std::size_t hard_limit_;
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::weak_ptr<WsClient>> clients_;
  std::uint64_t next_id_ = 1;
  std::atomic<std::size_t> count_{0};
  std::shared_ptr<void> subscription_;
  std::shared_ptr<void> remote_subscription_;
};

}  // namespace blazeiot
