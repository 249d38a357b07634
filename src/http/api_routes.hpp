#pragma once
// The REST API's routes, one function per area. Each adds its routes to the router; the
// handlers reach the platform through ApiContext.
#include <functional>
#include <optional>
#include <vector>

#include "app/platform_services.hpp"
#include "auth/jwt.hpp"
#include "http/login_throttle.hpp"
#include "http/reading_cache.hpp"
#include "http/router.hpp"
#include "http/validation.hpp"
#include "storage/reading_store.hpp"
#include "storage/row_page.hpp"

namespace blazeiot {

struct ApiContext {
  PlatformServices& services;
  const JwtCodec& jwt;
  LoginThrottle& login_throttle;
  ReadingCache& readings_cache;
};

void add_health_routes(Router& router, ApiContext& context);
void add_auth_routes(Router& router, ApiContext& context);
void add_user_routes(Router& router, ApiContext& context);
void add_device_routes(Router& router, ApiContext& context);
void add_gateway_routes(Router& router, ApiContext& context);
void add_node_routes(Router& router, ApiContext& context);
void add_reading_routes(Router& router, ApiContext& context);
void add_log_routes(Router& router, ApiContext& context);

// A route whose handler is a plain function of a context (ApiContext, OtaApi, ...) and the
// request.
template <class Context>
Route api_route(boost::beast::http::verb method, std::string pattern, Access access,
                Context& context, ApiResult (*handler)(Context&, ApiRequest&),
                bool blocking = false) {
  Route r;
  r.method = method;
  r.pattern = std::move(pattern);
  r.access = access;
  r.handler = [&context, handler](ApiRequest& request) { return handler(context, request); };
  r.blocking = blocking;
  return r;
}

// The largest `metadata` object a device, gateway or node may be given.
inline constexpr std::size_t kMaxMetadataBytes = 16 * 1024;

// The 400 response for a non-empty error list.
inline std::optional<ApiResult> invalid(const std::vector<FieldError>& errors) {
  if (errors.empty()) return std::nullopt;
  return validation_result(errors);
}

// The total behind a page of `rows` results; known without counting when the page is the last.
template <class Count>
std::int64_t page_total(std::size_t rows, std::int64_t limit, std::int64_t offset, Count count) {
  const auto n = static_cast<std::int64_t>(rows);
  if (n < limit && (n > 0 || offset == 0)) return offset + n;
  return count();
}

// limit (1..1000, default 100), offset (>= 0), start_date/end_date (or startDate/endDate).
void read_reading_window(QueryReader& query, ReadingQuery& out);

// limit (1..1000, default 1000) and offset (>= 0) of a list of devices, gateways or nodes:
// any MQTT client can register them, so no answer may hold every row of a large table.
RowPage read_row_page(QueryReader& query);

// A readings page: count, total and data. total is counted only when the page does not show
// it; both come from the reading cache while no reading of the source has been stored since.
// `missing_source` answers the error when the query's source does not exist; it is asked only
// when the page is not cached (deleting a source drops its cached pages).
ApiResult readings_page(ApiContext& context, const ReadingQuery& query,
                        const std::function<std::optional<ApiResult>()>& missing_source);

}  // namespace blazeiot
