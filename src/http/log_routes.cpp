// GET /api/logs: the system log, admins only.
#include <boost/json.hpp>

#include "http/api_routes.hpp"
#include "http/json_views.hpp"

namespace blazeiot {
namespace json = boost::json;

namespace {

ApiResult query_logs(ApiContext& ctx, ApiRequest& req) {
  QueryReader q(req.query);
  LogQuery query;
  query.category = q.text({"category"}, 64);
  query.level = q.text({"level"}, 16);
  query.limit = static_cast<int>(q.integer({"limit"}, 100, 1, 1000));
  query.offset = q.integer({"offset"}, 0, 0, 1'000'000'000'000);
  query.from = q.date({"start_date", "startDate"}, false);
  query.to = q.date({"end_date", "endDate"}, true);
  if (auto bad = invalid(q.errors())) return *bad;
  LogStore& logs = ctx.services.storage.logs();
  std::vector<LogEntry> rows = logs.find(query);
  const std::int64_t total =
      page_total(rows.size(), query.limit, query.offset, [&] { return logs.count(query); });
  json::array data(json_arena());
  data.reserve(rows.size());
  for (const LogEntry& e : rows) data.push_back(to_json(e, data.storage()));
  return list_result(std::move(data), total);
}

}  // namespace

void add_log_routes(Router& router, ApiContext& ctx) {
  router.add(api_route(boost::beast::http::verb::get, "/api/logs", Access::admin, ctx, query_logs));
}

}  // namespace blazeiot
