#pragma once
// Everything between a parsed HTTP request and its response, without sockets: target parsing,
// CORS, rate limiting, routing, authentication, the handler, security headers and the access
// log. The server drives it in two steps so that a request can be refused (401, 404, 429, ...)
// from its header alone, before any body is read.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/platform_services.hpp"
#include "auth/jwt.hpp"
#include "http/api_request.hpp"
#include "http/api_result.hpp"
#include "http/body_sink.hpp"
#include "http/login_throttle.hpp"
#include "http/rate_limiter.hpp"
#include "http/reading_cache.hpp"
#include "http/router.hpp"

namespace spdlog {
class logger;
}

namespace blazeiot {

struct ApiContext;

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using HttpRequestHeader = boost::beast::http::request_header<>;

struct ClientInfo {
  std::string peer_address;  // the TCP peer
  bool tls = false;
};

// One request on its way through the app.
struct ApiCall {
  ApiRequest request;
  const Route* route = nullptr;
  std::optional<ApiResult> immediate;  // decided from the header; the handler does not run
  std::vector<std::pair<std::string, std::string>> headers;  // rate limit, CORS
  std::size_t body_limit = 0;
  unsigned version = 11;
  bool keep_alive = true;
  bool head = false;
  bool tls = false;
  std::string method_name;
  std::string log_path;  // the path without the query string
  std::chrono::steady_clock::time_point started;
  std::unique_ptr<BodySink> sink;  // the streamed body's consumer (routes with open_body)
  std::optional<FileReply> file;   // the response body is this file

  // Whether the body goes to `sink` instead of request.body.
  bool streams_body() const { return !immediate && sink != nullptr; }

  // Whether the handler should run on the blocking pool (password hashing).
  bool blocking() const { return !immediate && route && (route->blocking || sink); }
};

class ApiApp {
 public:
  ApiApp(PlatformServices& services, std::string jwt_secret);
  ~ApiApp();

  // Step 1, from the header (the body need not have been read): everything that does not
  // need the body.
  ApiCall begin(const HttpRequest& request, const ClientInfo& client);
  // Step 2: runs the handler (unless step 1 decided) and builds the response.
  HttpResponse finish(ApiCall& call);

  // Between the steps, for routes that stream their body: opens the sink (or sets
  // `immediate` to the refusal).
  void open_body(ApiCall& call);
  // A streamed body the sink refused: its error as the response.
  HttpResponse refuse_body(ApiCall& call);

  // Both steps for a complete request (tests, fuzzing).
  HttpResponse handle(HttpRequest& request, const ClientInfo& client);

  // A response for a request the server could not parse or accept (400, 408, 413, 431),
  // with the same headers and access-log line as any other.
  HttpResponse reject(unsigned status, std::string_view message, const ClientInfo& client,
                      unsigned version = 11);

  // Routes are added at construction; later areas add theirs here before start().
  Router& router() { return router_; }

 private:
  std::string client_address(const HttpRequestHeader& header, const ClientInfo& client) const;
  void add_cors(ApiCall& call, const HttpRequestHeader& header) const;
  std::optional<ApiResult> authenticate(ApiCall& call, const HttpRequestHeader& header);
  HttpResponse respond(ApiCall& call, ApiResult result);
  // A reading was stored here or elsewhere: cached answers about its source are out of date.
  void forget(const PlatformEvent& event);
  void log_access(const ApiCall& call, unsigned status) const;

  PlatformServices& services_;
  JwtCodec jwt_;
  RateLimiter rate_limiter_;
  LoginThrottle login_throttle_;
  ReadingCache readings_cache_;
  // Keep the cache's subscriptions to this instance's and the other instances' readings.
  std::shared_ptr<void> reading_events_;
  std::shared_ptr<void> cluster_reading_events_;
  std::unique_ptr<ApiContext> context_;
  Router router_;
  // Looked up once: spdlog::get takes the registry's lock, on every request from every thread.
  std::shared_ptr<spdlog::logger> access_log_;
};

}  // namespace blazeiot
