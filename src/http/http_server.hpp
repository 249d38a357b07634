#pragma once
// The HTTP/1.1 server: Boost.Beast over Asio with C++20 coroutines, optional TLS on the same
// port (TLS_CERT/TLS_KEY), keep-alive and pipelining, read/idle/write timeouts, header and body
// limits, and a graceful stop that lets requests in flight finish.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <functional>
#include <memory>
#include <string>

#include "app/platform_services.hpp"
#include "http/api_app.hpp"

namespace blazeiot {

// Takes over a connection whose request asked for an upgrade (WebSocket) on a registered path.
// It receives the stream and the complete request and owns the connection from then on.
struct UpgradeHandler {
  std::function<void(boost::beast::tcp_stream&&, HttpRequest&&, const ClientInfo&)> plain;
  std::function<void(boost::beast::ssl_stream<boost::beast::tcp_stream>&&, HttpRequest&&,
                     const ClientInfo&)>
      tls;
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, PlatformServices& services, std::string jwt_secret);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds HOST:PORT (throws std::runtime_error naming the address if it cannot; ConfigError
  // for unusable TLS_CERT/TLS_KEY) and starts accepting.
  void start();
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Stops accepting, closes idle connections, lets requests in flight finish (at most ~3 s),
  // then closes the rest. Called from outside the io_context's threads it returns when all
  // connections are gone; called from inside one it only starts the stop.
  void stop();
  // The same, never blocking; `done` runs on the io_context once every connection is closed
  // (at most ~3 s after the call). For callers on the io_context's own threads that want to
  // stop the io_context only after the last response went out.
  void stop(std::function<void()> done);

  // Routes for later areas are added here before start().
  ApiApp& app();
  // Connections asking to upgrade on `path` (e.g. "/ws") are handed to `handler`.
  void set_upgrade_handler(std::string path, UpgradeHandler handler);

  struct State;

 private:
  void begin_stop();

  std::shared_ptr<State> state_;
};

}  // namespace blazeiot
