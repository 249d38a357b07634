#include "core/identifier.hpp"
#include "core/json_text.hpp"
#include "http/api_app.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "http/api_routes.hpp"
#include "http/security_headers.hpp"
#include "storage/sqlite/sqlite_connection.hpp"

namespace blazeiot {
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

// Requests that carry no body still get a little room (some clients send "{}" with DELETE).
constexpr std::size_t kBodylessMethodLimit = 64 * 1024;

std::shared_ptr<spdlog::logger> access_logger() {
  auto logger = spdlog::get("access");
  return logger ? logger : spdlog::default_logger();
}

// scheme://host from the Host header, for links handed to devices when PUBLIC_URL is unset;
// empty unless it is a plain host[:port] (no user info, path or odd characters).
std::string request_origin(const HttpRequestHeader& header, bool tls) {
  auto it = header.find(http::field::host);
  if (it == header.end() || it->value().empty() || it->value().size() > 255) return {};
  if (!is_alnum_or(it->value(), ".-:[]")) return {};
  return std::string(tls ? "https://" : "http://") + std::string(it->value());
}

}  // namespace

ApiApp::ApiApp(PlatformServices& services, std::string jwt_secret)
    : services_(services),
      jwt_(std::move(jwt_secret), services.config.jwt_expires_in_s),
      rate_limiter_(services.clock, services.config.rate_limit_max,
                    services.config.rate_limit_window_s),
      login_throttle_(services.clock),
      readings_cache_(services.clock),
      reading_events_(services.events.subscribe([this](const PlatformEvent& e) { forget(e); })),
      cluster_reading_events_(
          services.cluster_events
              ? services.cluster_events->subscribe([this](const PlatformEvent& e) { forget(e); })
              : nullptr),
      context_(std::make_unique<ApiContext>(
          ApiContext{services, jwt_, login_throttle_, readings_cache_})),
      access_log_(access_logger()) {
  add_health_routes(router_, *context_);
  add_auth_routes(router_, *context_);
  add_user_routes(router_, *context_);
  add_device_routes(router_, *context_);
  add_gateway_routes(router_, *context_);
  add_node_routes(router_, *context_);
  add_reading_routes(router_, *context_);
  add_log_routes(router_, *context_);
}

ApiApp::~ApiApp() = default;

std::string ApiApp::client_address(const HttpRequestHeader& header,
                                   const ClientInfo& client) const {
  if (!services_.config.trust_proxy) return client.peer_address;
  auto it = header.find("X-Forwarded-For");
  if (it == header.end()) return client.peer_address;
  // The right-most entry is the address our proxy saw; entries left of it are whatever the
  // client chose to send and cannot be trusted.
  std::string_view list = it->value();
  auto comma = list.rfind(',');
  std::string_view last = comma == std::string_view::npos ? list : list.substr(comma + 1);
  while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
  while (!last.empty() && last.back() == ' ') last.remove_suffix(1);
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string(last), ec);
  return ec ? client.peer_address : address.to_string();
}

void ApiApp::add_cors(ApiCall& call, const HttpRequestHeader& header) const {
  auto it = header.find(http::field::origin);
  if (it == header.end()) return;
  const std::string_view origin = it->value();
  const auto& allowed = services_.config.cors_origins;
  bool any = false, exact = false;
  for (const std::string& o : allowed) {
    if (o == "*") any = true;
    if (o == origin) exact = true;
  }
  if (exact) {
    call.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    call.headers.emplace_back("Vary", "Origin");
  } else if (any) {
    call.headers.emplace_back("Access-Control-Allow-Origin", "*");
  } else {
    return;
  }
  call.headers.emplace_back("Access-Control-Expose-Headers",
                            "RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After");
}

std::optional<ApiResult> ApiApp::authenticate(ApiCall& call, const HttpRequestHeader& header) {
  auto unauthorized = [](std::string_view message) {
    ApiResult r = error_result(401, message);
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"blazeiot\"");
    return r;
  };
  auto it = header.find(http::field::authorization);
  if (it == header.end()) return unauthorized("Access token required");
  std::string_view value = it->value();
  if (value.size() < 7 || !boost::beast::iequals(value.substr(0, 7), "Bearer "))
    return unauthorized("Access token required");
  std::string_view token = value.substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  auto verified = jwt_.verify(token, call.request.now);
  if (auto* error = std::get_if<TokenError>(&verified)) {
    spdlog::debug("rejected token from {}: {}", call.request.client, to_string(*error));
    return unauthorized("Invalid or expired token");
  }
  const TokenClaims& claims = std::get<TokenClaims>(verified);
  // The account as it is now: a deleted user's tokens stop working and a role change applies
  // at once, not when the token expires.
  auto user = services_.storage.users().find_by_id(claims.user_id);
  if (!user || user->token_revoked(claims.issued_at))
    return unauthorized("Invalid or expired token");
  auto role = parse_role(user->role);
  call.request.user = AuthUser{user->id, user->username, user->email, role.value_or(Role::viewer)};
  if (call.route->access == Access::admin && call.request.user->role != Role::admin)
    return error_result(403, "Admin access required");
  return std::nullopt;
}

ApiCall ApiApp::begin(const HttpRequest& request, const ClientInfo& client) {
  const HttpRequestHeader& header = request.base();
  ApiCall call;
  call.started = std::chrono::steady_clock::now();
  call.request.now = services_.clock.now_ms();
  call.request.method = header.method();
  call.method_name = std::string(header.method_string());
  call.version = header.version();
  call.keep_alive = request.keep_alive();
  call.head = header.method() == http::verb::head;
  call.tls = client.tls;
  call.request.client = client_address(header, client);
  call.body_limit = services_.config.max_json_body;

  auto target = boost::urls::parse_origin_form(header.target());
  if (!target) {
    call.log_path = "-";
    call.immediate = error_result(400, "Malformed request target");
    return call;
  }
  call.log_path = std::string(target->encoded_path());
  call.request.path = target->path();
  std::vector<std::string> segment_storage;
  for (auto s : target->segments()) segment_storage.push_back(s);
  if (!segment_storage.empty() && segment_storage.back().empty()) segment_storage.pop_back();
  std::vector<std::string_view> segments(segment_storage.begin(), segment_storage.end());
  for (auto p : target->params())
    call.request.query.emplace_back(p.key, p.has_value ? p.value : std::string());
  call.request.origin = request_origin(header, client.tls);
  if (auto it = header.find(http::field::content_type); it != header.end())
    call.request.content_type = std::string(it->value());

  const bool is_api = !segments.empty() && segments.front() == "api";
  add_cors(call, header);

  if (header.method() == http::verb::options) {
    std::string allow = router_.allowed_methods(segments);
    if (allow.empty()) {
      call.immediate = error_result(404, is_api ? "API endpoint not found" : "Not found");
      return call;
    }
    ApiResult r = json_result(204, nullptr);
    r.headers = {{"Allow", allow}};
    bool cors_allowed = false;
    for (const auto& [k, v] : call.headers) cors_allowed |= k == "Access-Control-Allow-Origin";
    if (cors_allowed && header.count(http::field::access_control_request_method)) {
      r.headers.emplace_back("Access-Control-Allow-Methods", allow);
      r.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
      r.headers.emplace_back("Access-Control-Max-Age", "600");
    }
    call.immediate = std::move(r);
    return call;
  }

  if (is_api) {
    RateDecision d = rate_limiter_.hit(call.request.client);
    call.headers.emplace_back("RateLimit-Limit", std::to_string(d.limit));
    call.headers.emplace_back("RateLimit-Remaining", std::to_string(d.remaining));
    call.headers.emplace_back("RateLimit-Reset", std::to_string(d.reset_s));
    if (!d.allowed) {
      ApiResult r = error_result(429, "Too many requests, please try again later");
      r.headers.emplace_back("Retry-After", std::to_string(d.reset_s));
      call.immediate = std::move(r);
      return call;
    }
  }

  auto matched = router_.match(header.method(), segments);
  // "/api" itself would match the dashboard's "/:file"; every path under the API's prefix is
  // the API's to answer.
  if (is_api && segments.size() == 1) matched = NoRoute{};
  if (std::holds_alternative<NoRoute>(matched)) {
    call.immediate = error_result(404, is_api ? "API endpoint not found" : "Not found");
    return call;
  }
  if (auto* wrong = std::get_if<MethodNotAllowed>(&matched)) {
    ApiResult r = error_result(405, "Method not allowed");
    r.headers.emplace_back("Allow", wrong->allow);
    call.immediate = std::move(r);
    return call;
  }
  auto& found = std::get<RouteMatch>(matched);
  call.route = found.route;
  call.request.path_params = std::move(found.params);
  if (call.route->body_limit) {
    call.body_limit = *call.route->body_limit;
  } else if (call.route->method != http::verb::post && call.route->method != http::verb::put &&
             call.route->method != http::verb::patch) {
    call.body_limit = kBodylessMethodLimit;
  }

  const bool token_sent = header.find(http::field::authorization) != header.end();
  if (call.route->access != Access::anyone &&
      (call.route->access != Access::optional_user || token_sent)) {
    try {
      call.immediate = authenticate(call, header);
    } catch (const StorageError& e) {
      spdlog::error("authentication on {} {}: storage error: {}", call.method_name, call.log_path,
                    e.what());
      call.immediate = error_result(503, "Database temporarily unavailable");
    } catch (const std::exception& e) {
      spdlog::error("authentication failed on {} {}: {}", call.method_name, call.log_path,
                    e.what());
      call.immediate = error_result(503, "Service temporarily unavailable");
    }
  }
  return call;
}

HttpResponse ApiApp::finish(ApiCall& call) {
  if (call.immediate) return respond(call, std::move(*call.immediate));
  ApiResult result;
  try {
    if (call.sink) {
      result = call.sink->complete(call.request);
      call.sink.reset();  // a sink that did not keep its file removes it now
    } else {
      result = call.route->handler(call.request);
    }
  } catch (const StorageError& e) {
    spdlog::error("{} {}: storage error: {}", call.method_name, call.log_path, e.what());
    result = error_result(503, "Database temporarily unavailable");
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", call.method_name, call.log_path, e.what());
    result = error_result(500, "Internal server error");
  }
  return respond(call, std::move(result));
}

void ApiApp::open_body(ApiCall& call) {
  if (call.immediate || !call.route || !call.route->open_body) return;
  std::optional<ApiResult> refusal;
  try {
    call.sink = call.route->open_body(call.request, refusal);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", call.method_name, call.log_path, e.what());
    refusal = error_result(500, "Internal server error");
  }
  if (!call.sink && !refusal) refusal = error_result(500, "Internal server error");
  if (refusal) {
    call.sink.reset();
    call.immediate = std::move(refusal);
  }
}

HttpResponse ApiApp::refuse_body(ApiCall& call) {
  ApiResult result = call.sink ? call.sink->error() : error_result(400, "Request body refused");
  call.sink.reset();
  call.keep_alive = false;
  return respond(call, std::move(result));
}

HttpResponse ApiApp::handle(HttpRequest& request, const ClientInfo& client) {
  ApiCall call = begin(request, client);
  call.request.body = std::move(request.body());
  return finish(call);
}

void ApiApp::forget(const PlatformEvent& event) {
  if (auto* stored = std::get_if<ReadingStored>(&event))
    readings_cache_.invalidate(stored->reading.source_id);
}

HttpResponse ApiApp::reject(unsigned status, std::string_view message, const ClientInfo& client,
                            unsigned version) {
  ApiCall call;
  call.started = std::chrono::steady_clock::now();
  call.version = version;
  call.keep_alive = false;
  call.tls = client.tls;
  call.method_name = "-";
  call.log_path = "-";
  call.request.client = client.peer_address;
  return respond(call, error_result(status, message));
}

HttpResponse ApiApp::respond(ApiCall& call, ApiResult result) {
  HttpResponse res{static_cast<http::status>(result.status), call.version};
  res.keep_alive(call.keep_alive);
  res.set(http::field::cache_control, result.file ? result.file->cache_control : "no-store");
  add_security_headers(res, call.tls);
  for (const auto& [k, v] : call.headers) res.insert(k, v);
  if (result.file) {
    // The server fills in status, length and validators once it has looked at the file.
    res.set(http::field::content_type, result.file->content_type);
    if (result.file->content_security_policy)
      res.set("Content-Security-Policy", *result.file->content_security_policy);
    for (const auto& [k, v] : result.file->headers) res.set(k, v);
  } else if (result.body_text || !result.body.is_null()) {
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.body() = result.body_text ? std::move(*result.body_text) : json_text(result.body);
  }
  for (const auto& [k, v] : result.headers) res.set(k, v);
  if (result.file) {
    call.file = std::move(result.file);
  } else {
    res.prepare_payload();
    if (call.head) res.body().clear();  // Content-Length still tells the size a GET would have
  }
  log_access(call, result.status);
  return res;
}

void ApiApp::log_access(const ApiCall& call, unsigned status) const {
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - call.started)
          .count();
  access_log_->info("{} \"{} {}\" {} {:.1f}ms", call.request.client, call.method_name,
                        call.log_path, status, ms);
}

}  // namespace blazeiot
