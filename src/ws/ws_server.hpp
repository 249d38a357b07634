#pragma once
// The live stream at /ws: authenticates the upgrade (?token=, Authorization: Bearer, or the
// Sec-WebSocket-Protocol pair "access_token, <JWT>"), runs one session per client, and closes
// every session on shutdown.
#include <chrono>
#include <memory>

#include "app/platform_services.hpp"
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

  // Registers the /ws upgrade handler with the HTTP server.
  void install(HttpServer& http);
  // Closes every session with 1001 (going away); returns once they are closed, or after
  // kCloseWait. Call it off the network threads, which the closing needs.
  void stop();
  static constexpr std::chrono::milliseconds kCloseWait{1500};
  std::size_t connections() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace blazeiot
