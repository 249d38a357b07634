#pragma once
// The live stream at /ws: authenticates the upgrade (?token=, Authorization: Bearer, or the
// Sec-WebSocket-Protocol pair "access_token, <JWT>"), runs one session per client, and closes
// every session on shutdown.
//
// A session's rights are its account's: every kAccountCheck the accounts are read again (on a
// thread of their own: with PostgreSQL each read is a round trip), and a session whose account
// was deleted, or whose password was changed after its token was issued, is closed (1008). A
// role change applies to the open session: the `logs` channel is for administrators only, as
// /api/logs is.
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <memory>

#include "app/platform_services.hpp"
#include "core/periodic_task.hpp"
#include "http/http_server.hpp"
#include "ws/ws_hub.hpp"

namespace blazeiot {

struct WsLimits {
  std::size_t max_connections = 5000;
  std::size_t soft_buffer = 256 * 1024;   // start coalescing past this many queued bytes
  std::size_t hard_buffer = 1024 * 1024;  // disconnect past this
  std::size_t max_inbound_message = 16 * 1024;
  double inbound_rate = 20;   // client messages per second (token bucket)
  double inbound_burst = 40;
  int max_errors = 20;        // malformed or refused client messages before we close
};

class WsServer {
 public:
  // Clients get what this instance commits and, with several instances,
  // services.cluster_events: what the others commit.
  WsServer(PlatformServices& services, std::string jwt_secret, WsLimits limits);
  ~WsServer();

  // Registers the /ws upgrade handler with the HTTP server and starts the account checks.
  void install(HttpServer& http);
  // Closes every session with 1001 (going away); returns once they are closed, or after
  // kCloseWait. Call it off the network threads, which the closing needs.
  void stop();
  static constexpr std::chrono::milliseconds kCloseWait{1500};
  static constexpr std::chrono::milliseconds kAccountCheck{5000};
  std::size_t connections() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
  boost::asio::thread_pool account_thread_{1};
  PeriodicTask account_checks_;
};

}  // namespace blazeiot
