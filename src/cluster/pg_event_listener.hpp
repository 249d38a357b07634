#pragma once
// Follows what the other instances commit: LISTENs on the cluster channel on a connection of
// its own and decodes the announcements (cluster_announcement.hpp), skipping this instance's
// own. Notifications sent while the connection was down are lost, so every (re)connection
// first calls on_connected, once LISTEN is in place, for the caller to read what it may have
// missed from the tables themselves. It also sends this instance's announcements that are not
// part of an ingest transaction (send()).
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster_announcement.hpp"
#include "cluster/stop_signal.hpp"

namespace blazeiot {

class PgConnection;

struct PgEventListenerHandlers {
  // All run on the listener's thread. When one throws (on_connected: StorageError), the
  // connection is dropped and made again.
  std::function<void()> on_connected;
  std::function<void()> on_lost;
  std::function<void(ClusterAnnouncement&&)> on_announcement;
};

class PgEventListener {
 public:
  PgEventListener(std::string conninfo, PgEventListenerHandlers handlers);
  ~PgEventListener();

  void start();
  void stop();

  // Thread-safe and non-blocking: NOTIFY these payloads (already committed events). Kept
  // while the connection is down, up to kMaxOutbox; beyond that the oldest are dropped (a
  // live view prefers the latest).
  void send(std::vector<std::string> payloads);

 private:
  static constexpr std::size_t kMaxOutbox = 10'000;
  void run();
  void flush_outbox(PgConnection& c);

  std::string conninfo_;
  PgEventListenerHandlers handlers_;
  StopSignal stop_;
  std::thread thread_;
  std::mutex outbox_mutex_;
  std::deque<std::string> outbox_;
  // An idle connection is probed this often, so a server that vanished is noticed soon.
  std::chrono::milliseconds probe_interval_{5000};
  std::chrono::milliseconds retry_interval_{1000};
};

}  // namespace blazeiot
