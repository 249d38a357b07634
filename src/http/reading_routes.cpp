// GET /api/sensor-data, and the reading helpers the device and node routes share.
#include <boost/json.hpp>

#include "http/api_routes.hpp"
#include "http/json_views.hpp"

namespace blazeiot {
namespace json = boost::json;

namespace {
constexpr std::int64_t kMaxLimit = 1000;
constexpr std::int64_t kDefaultLimit = 100;
constexpr std::int64_t kMaxOffset = 1'000'000'000'000;
}  // namespace

void read_reading_window(QueryReader& q, ReadingQuery& out) {
  out.limit = static_cast<int>(q.integer({"limit"}, kDefaultLimit, 1, kMaxLimit));
  out.offset = q.integer({"offset"}, 0, 0, kMaxOffset);
  out.from = q.date({"start_date", "startDate"}, false);
  out.to = q.date({"end_date", "endDate"}, true);
}

ApiResult readings_page(ApiContext& ctx, const ReadingQuery& query) {
  ReadingStore& store = ctx.services.storage.readings();
  std::vector<Reading> rows = store.find(query);
  const std::int64_t total = page_total(rows.size(), query.limit, query.offset, [&] {
    if (auto cached = ctx.reading_counts.get(query)) return *cached;
    const std::int64_t n = store.count(query);
    ctx.reading_counts.put(query, n);
    return n;
  });
  json::array data(json_arena());
  data.reserve(rows.size());
  for (const Reading& r : rows) data.push_back(to_json(r, data.storage()));
  return list_result(std::move(data), total);
}

namespace {

ApiResult query_readings(ApiContext& ctx, ApiRequest& req) {
  QueryReader q(req.query);
  ReadingQuery query;
  query.limit = static_cast<int>(q.integer({"limit"}, kDefaultLimit, 1, kMaxLimit));
  query.from = q.date({"startDate", "start_date"}, false);
  query.to = q.date({"endDate", "end_date"}, true);
  if (auto device = q.text({"deviceId", "device_id"}, 128)) {
    query.source_type = SourceType::device;
    query.source_id = std::move(device);
  }
  query.gateway_id = q.text({"gatewayId", "gateway_id"}, 128);
  query.type = q.text({"type"}, 128);
  if (auto bad = invalid(q.errors())) return *bad;
  json::array data(json_arena());
  for (const Reading& r : ctx.services.storage.readings().find(query))
    data.push_back(to_json(r, data.storage()));
  return list_result(std::move(data));
}

}  // namespace

void add_reading_routes(Router& router, ApiContext& ctx) {
  router.add(api_route(boost::beast::http::verb::get, "/api/sensor-data", Access::user, ctx,
                       query_readings));
}

}  // namespace blazeiot
