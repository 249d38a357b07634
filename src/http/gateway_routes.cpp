// /api/gateways: BLE and LoRa gateways, each with the nodes it hears.
#include <boost/json.hpp>

#include "http/api_routes.hpp"
#include "http/json_views.hpp"

namespace blazeiot {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

ApiResult gateway_not_found() { return error_result(404, "Gateway not found"); }

ApiResult list_gateways(ApiContext& ctx, ApiRequest& req) {
  QueryReader q(req.query);
  GatewayFilter filter;
  filter.status = q.presence("status");
  filter.type = q.text({"type"}, 64);
  filter.page = read_row_page(q);
  if (auto bad = invalid(q.errors())) return *bad;
  json::array data;
  for (const Gateway& g : ctx.services.storage.gateways().list(filter)) data.push_back(to_json(g));
  return list_result(std::move(data));
}

ApiResult get_gateway(ApiContext& ctx, ApiRequest& req) {
  auto gateway = ctx.services.storage.gateways().find(req.param("gateway_id"));
  if (!gateway) return gateway_not_found();
  return item_result(to_json(*gateway));
}

ApiResult gateway_nodes(ApiContext& ctx, ApiRequest& req) {
  QueryReader q(req.query);
  NodeFilter filter;
  filter.status = q.presence("status");
  filter.page = read_row_page(q);
  if (auto bad = invalid(q.errors())) return *bad;
  if (!ctx.services.storage.gateways().find(req.param("gateway_id"))) return gateway_not_found();
  filter.gateway_id = std::string(req.param("gateway_id"));
  json::array data;
  for (const NodeRecord& n : ctx.services.storage.nodes().list(filter)) data.push_back(to_json(n));
  return list_result(std::move(data));
}

ApiResult create_gateway(ApiContext& ctx, ApiRequest& req) {
  auto parsed = parse_json_body(req);
  if (auto* failure = std::get_if<ApiResult>(&parsed)) return std::move(*failure);
  BodyReader body(std::get<json::object>(parsed));
  auto id = body.identifier("gateway_id", true);
  auto name = body.text("name", false, 0, 128);
  auto type = body.text("type", false, 0, 64);
  auto metadata = body.object_json("metadata", kMaxMetadataBytes);
  if (auto bad = invalid(body.finish())) return *bad;
  Gateway g;
  g.gateway_id = *id;
  g.name = name.value_or(g.gateway_id);
  g.type = type.value_or("");
  g.metadata_json = metadata.value_or("{}");
  g.status = Presence::offline;
  g.created_at = g.updated_at = req.now;
  if (!ctx.services.storage.gateways().create(g))
    return error_result(409, "A gateway with this gateway_id already exists");
  ctx.services.log.info("gateway", req.user->username,
                        "Gateway " + g.gateway_id + " registered through the API");
  ctx.services.events.publish(EntityRegistered{EntityKind::gateway, g.gateway_id, "", req.now});
  return item_result(to_json(g), 201);
}

ApiResult update_gateway(ApiContext& ctx, ApiRequest& req) {
  auto parsed = parse_json_body(req);
  if (auto* failure = std::get_if<ApiResult>(&parsed)) return std::move(*failure);
  BodyReader body(std::get<json::object>(parsed));
  GatewayChanges changes;
  changes.name = body.text("name", false, 0, 128);
  changes.type = body.text("type", false, 0, 64);
  changes.metadata_json = body.object_json("metadata", kMaxMetadataBytes);
  auto errors = body.finish();
  if (errors.empty() && !changes.name && !changes.type && !changes.metadata_json)
    errors.push_back({"body", "must contain at least one of name, type, metadata"});
  if (auto bad = invalid(errors)) return *bad;
  auto gateway = ctx.services.storage.gateways().update(req.param("gateway_id"), changes, req.now);
  if (!gateway) return gateway_not_found();
  return item_result(to_json(*gateway));
}

ApiResult delete_gateway(ApiContext& ctx, ApiRequest& req) {
  const std::string id(req.param("gateway_id"));
  if (!ctx.services.storage.gateways().remove(id)) return gateway_not_found();
  ctx.readings_cache.clear();  // its nodes' readings went with it
  ctx.services.log.info("gateway", req.user->username,
                        "Gateway " + id + " and its nodes deleted through the API");
  return message_result("Gateway deleted");
}

}  // namespace

void add_gateway_routes(Router& router, ApiContext& ctx) {
  router.add(api_route(verb::get, "/api/gateways", Access::user, ctx, list_gateways));
  router.add(api_route(verb::get, "/api/gateways/:gateway_id", Access::user, ctx, get_gateway));
  router.add(
      api_route(verb::get, "/api/gateways/:gateway_id/nodes", Access::user, ctx, gateway_nodes));
  router.add(api_route(verb::post, "/api/gateways", Access::admin, ctx, create_gateway));
  router.add(api_route(verb::put, "/api/gateways/:gateway_id", Access::admin, ctx, update_gateway));
  router.add(
      api_route(verb::delete_, "/api/gateways/:gateway_id", Access::admin, ctx, delete_gateway));
}

}  // namespace blazeiot
