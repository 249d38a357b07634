// GET /health (public liveness) and GET /api/status (what the platform is doing, in figures).
#include <boost/json.hpp>

#include "core/iso_time.hpp"
#include "http/api_routes.hpp"

namespace blazeiot {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

double uptime_s(const ApiContext& ctx, EpochMs now) {
  return static_cast<double>(now - ctx.services.started_at) / 1000.0;
}

ApiResult health(ApiContext& ctx, ApiRequest& req) {
  // Deliberately no envelope: load balancers and the original's probes read these three keys.
  json::object o{
      {"status", "ok"}, {"timestamp", format_iso8601(req.now)}, {"uptime", uptime_s(ctx, req.now)}};
  return json_result(200, std::move(o));
}

ApiResult status(ApiContext& ctx, ApiRequest& req) {
  const IngestSnapshot ingest = ctx.services.ingest.ingest_snapshot();
  const InventoryCounts counts = ctx.services.storage.stats().inventory_counts();
  json::object data{
      {"system", "BlazeIoT Solutions Platform"},
      {"version", BLAZEIOT_VERSION},
      {"status", ingest.broker_connected && !ingest.paused_for_disk ? "operational" : "degraded"},
      {"environment", ctx.services.config.node_env},
      {"timestamp", format_iso8601(req.now)},
      {"uptime", uptime_s(ctx, req.now)},
      {"mqtt", json::object{{"connected", ingest.broker_connected},
                            {"broker", ingest.broker_url},
                            {"embedded", ingest.embedded_broker}}},
      {"stats", json::object{{"devices", counts.devices},
                             {"devices_online", counts.devices_online},
                             {"gateways", counts.gateways},
                             {"gateways_online", counts.gateways_online},
                             {"nodes", counts.nodes},
                             {"nodes_online", counts.nodes_online}}},
      {"ingest", json::object{{"messages_received", ingest.messages_received},
                              {"messages_rejected", ingest.messages_rejected},
                              {"readings_stored", ingest.readings_stored},
                              {"messages_per_second", ingest.messages_per_second},
                              {"backlog", ingest.backlog},
                              {"paused_for_disk", ingest.paused_for_disk}}},
      {"database", json::object{{"type", ctx.services.storage.kind()},
                                {"size_bytes", ctx.services.storage.size_bytes()},
                                {"free_bytes", ingest.disk_free_bytes
                                                   ? json::value(*ingest.disk_free_bytes)
                                                   : json::value(nullptr)}}},
  };
  return item_result(std::move(data));
}

}  // namespace

void add_health_routes(Router& router, ApiContext& ctx) {
  router.add(api_route(verb::get, "/health", Access::anyone, ctx, health));
  router.add(api_route(verb::get, "/api/status", Access::user, ctx, status));
}

}  // namespace blazeiot
