// GET /api/sensor-data, the reading helpers the device and node routes share, and the page
// of the entity lists.
#include <boost/json.hpp>

#include "http/api_routes.hpp"
#include "http/json_views.hpp"

namespace blazeiot {
namespace json = boost::json;

namespace {
constexpr std::int64_t kMaxLimit = 1000;
constexpr std::int64_t kDefaultLimit = 100;
constexpr std::int64_t kMaxOffset = 1'000'000'000'000;

// The page's readings as a JSON array; about 300 bytes each.
std::string readings_text(const std::vector<Reading>& rows) {
  std::string items;
  items.reserve(rows.size() * 320 + 2);
  JsonWriter w(items);
  w.begin_array();
  for (const Reading& r : rows) write_json(w, r);
  w.end_array();
  return items;
}

}  // namespace

RowPage read_row_page(QueryReader& q) {
  RowPage page;
  page.limit = q.integer({"limit"}, kMaxLimit, 1, kMaxLimit);
  page.offset = q.integer({"offset"}, 0, 0, kMaxOffset);
  return page;
}

void read_reading_window(QueryReader& q, ReadingQuery& out) {
  out.limit = static_cast<int>(q.integer({"limit"}, kDefaultLimit, 1, kMaxLimit));
  out.offset = q.integer({"offset"}, 0, 0, kMaxOffset);
  out.from = q.date({"start_date", "startDate"}, false);
  out.to = q.date({"end_date", "endDate"}, true);
}

ApiResult readings_page(ApiContext& ctx, const ReadingQuery& query,
                        const std::function<std::optional<ApiResult>()>& missing_source) {
  ReadingCache& cache = ctx.readings_cache;
  if (auto page = cache.page(query))
    return written_list_result(*page->items, page->count, page->total);
  // Taken before the source is looked up: a delete from here on keeps the answer out of the cache.
  const ReadingCache::Ticket ticket = cache.ticket(query);
  if (auto error = missing_source()) return std::move(*error);
  ReadingStore& store = ctx.services.storage.readings();
  std::vector<Reading> rows = store.find(query);
  const std::int64_t total = page_total(rows.size(), query.limit, query.offset, [&] {
    if (auto cached = cache.total(query)) return *cached;
    const std::int64_t n = store.count(query);
    cache.put_total(query, ticket, n);
    return n;
  });
  auto items = std::make_shared<const std::string>(readings_text(rows));
  cache.put_page(query, ticket, {items, rows.size(), total});
  return written_list_result(*items, rows.size(), total);
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
  std::vector<Reading> rows = ctx.services.storage.readings().find(query);
  return written_list_result(readings_text(rows), rows.size());
}

}  // namespace

void add_reading_routes(Router& router, ApiContext& ctx) {
  router.add(api_route(boost::beast::http::verb::get, "/api/sensor-data", Access::user, ctx,
                       query_readings));
}

}  // namespace blazeiot
