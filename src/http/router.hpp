#pragma once
// Method + path routing with ":name" segments. A path that matches a route under another
// method answers 405 with the methods it does have; no match at all is a 404.
#include <boost/beast/http/verb.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "http/api_request.hpp"
#include "http/api_result.hpp"

namespace blazeiot {

// optional_user: public, but a bearer token, when sent, must be valid and identifies the caller
// (routes that accept either a token or a signed link).
enum class Access { anyone, optional_user, user, admin };

class BodySink;

struct Route {
  using Handler = std::function<ApiResult(ApiRequest&)>;

  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string pattern;
  Access access = Access::user;
  Handler handler;
  // Runs on the blocking pool instead of a network thread (password hashing).
  bool blocking = false;
  // Largest body the route takes; nullopt = the JSON body limit.
  std::optional<std::size_t> body_limit;
  // Set for routes that stream their body (uploads): called once the request is authorised,
  // before any body byte is read; returns the sink, or sets `refusal` (e.g. 415). `handler`
  // is not used for such routes.
  std::function<std::unique_ptr<BodySink>(ApiRequest&, std::optional<ApiResult>& refusal)>
      open_body;

  std::vector<std::string> segments;  // filled by Router::add
};

struct RouteMatch {
  const Route* route;
  ApiRequest::Pairs params;
};
struct MethodNotAllowed {
  std::string allow;  // "GET, POST"
};
struct NoRoute {};

class Router {
 public:
  // Splits a decoded path into segments; a trailing '/' is ignored ("/api/devices/" ==
  // "/api/devices"), an empty segment elsewhere is kept so it matches nothing.
  static std::vector<std::string_view> split(std::string_view path);

  void add(Route route);

  // HEAD is answered by the GET route. Among matching routes, literal segments win over
  // ":name" segments, so "/api/ota/latest" beats "/api/ota/:id".
  std::variant<RouteMatch, MethodNotAllowed, NoRoute> match(
      boost::beast::http::verb method, const std::vector<std::string_view>& segments) const;

  // Methods the path supports, for OPTIONS ("" when none).
  std::string allowed_methods(const std::vector<std::string_view>& segments) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  // Number of literal segments matched, or nullopt when the route does not fit the path.
  static std::optional<int> fit(const Route& route, const std::vector<std::string_view>& segments,
                                ApiRequest::Pairs* params);

  std::vector<Route> routes_;
};

}  // namespace blazeiot
