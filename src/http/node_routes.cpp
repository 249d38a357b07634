// /api/nodes: sensors behind gateways. A node is (mac, gateway_id); where a mac is heard by
// several gateways, ?gateway_id= says which one is meant.
#include <boost/json.hpp>

#include "http/api_routes.hpp"
#include "http/json_views.hpp"

namespace blazeiot {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

// The one node a request means, or the response saying why there is none.
std::variant<NodeRecord, ApiResult> resolve_node(ApiContext& ctx, const ApiRequest& req,
                                                 const std::optional<std::string>& gateway_id) {
  NodeFilter filter;
  filter.mac = std::string(req.param("mac"));
  filter.gateway_id = gateway_id;
  auto nodes = ctx.services.storage.nodes().list(filter);
  if (nodes.empty()) return error_result(404, "Node not found");
  if (nodes.size() > 1)
    return error_result(409, "This mac is heard by several gateways; add ?gateway_id=");
  return std::move(nodes.front());
}

ApiResult list_nodes(ApiContext& ctx, ApiRequest& req) {
  QueryReader q(req.query);
  NodeFilter filter;
  filter.gateway_id = q.text({"gateway_id", "gatewayId"}, 128);
  filter.status = q.presence("status");
  filter.page = read_row_page(q);
  if (auto bad = invalid(q.errors())) return *bad;
  json::array data;
  for (const NodeRecord& n : ctx.services.storage.nodes().list(filter)) data.push_back(to_json(n));
  return list_result(std::move(data));
}

ApiResult node_data(ApiContext& ctx, ApiRequest& req) {
  QueryReader q(req.query);
  ReadingQuery query;
  read_reading_window(q, query);
  query.gateway_id = q.text({"gateway_id", "gatewayId"}, 128);
  query.type = q.text({"type"}, 128);
  if (auto bad = invalid(q.errors())) return *bad;
  NodeFilter filter;
  filter.mac = std::string(req.param("mac"));
  filter.gateway_id = query.gateway_id;
  query.source_type = SourceType::node;
  query.source_id = filter.mac;
  return readings_page(ctx, query, [&]() -> std::optional<ApiResult> {
    if (ctx.services.storage.nodes().list(filter).empty()) return error_result(404, "Node not found");
    return std::nullopt;
  });
}

ApiResult update_node(ApiContext& ctx, ApiRequest& req) {
  QueryReader q(req.query);
  auto gateway_id = q.text({"gateway_id", "gatewayId"}, 128);
  auto parsed = parse_json_body(req);
  if (auto* failure = std::get_if<ApiResult>(&parsed)) return std::move(*failure);
  BodyReader body(std::get<json::object>(parsed));
  NodeChanges changes;
  changes.name = body.text("name", false, 0, 128);
  changes.type = body.text("type", false, 0, 64);
  changes.metadata_json = body.object_json("metadata", kMaxMetadataBytes);
  auto errors = body.finish();
  errors.insert(errors.end(), q.errors().begin(), q.errors().end());
  if (errors.empty() && !changes.name && !changes.type && !changes.metadata_json)
    errors.push_back({"body", "must contain at least one of name, type, metadata"});
  if (auto bad = invalid(errors)) return *bad;
  auto target = resolve_node(ctx, req, gateway_id);
  if (auto* failure = std::get_if<ApiResult>(&target)) return std::move(*failure);
  const Node& node = std::get<NodeRecord>(target).node;
  auto updated = ctx.services.storage.nodes().update(node.mac, node.gateway_id, changes, req.now);
  if (!updated) return error_result(404, "Node not found");
  return item_result(to_json(*updated));
}

ApiResult delete_node(ApiContext& ctx, ApiRequest& req) {
  QueryReader q(req.query);
  auto gateway_id = q.text({"gateway_id", "gatewayId"}, 128);
  if (auto bad = invalid(q.errors())) return *bad;
  auto target = resolve_node(ctx, req, gateway_id);
  if (auto* failure = std::get_if<ApiResult>(&target)) return std::move(*failure);
  const Node& node = std::get<NodeRecord>(target).node;
  if (!ctx.services.storage.nodes().remove(node.mac, node.gateway_id))
    return error_result(404, "Node not found");
  ctx.readings_cache.invalidate(node.mac);
  ctx.services.log.info(
      "node", req.user->username,
      "Node " + node.mac + " of gateway " + node.gateway_id + " deleted through the API");
  return message_result("Node deleted");
}

}  // namespace

void add_node_routes(Router& router, ApiContext& ctx) {
  router.add(api_route(verb::get, "/api/nodes", Access::user, ctx, list_nodes));
  router.add(api_route(verb::get, "/api/nodes/:mac/data", Access::user, ctx, node_data));
  router.add(api_route(verb::put, "/api/nodes/:mac", Access::admin, ctx, update_node));
  router.add(api_route(verb::delete_, "/api/nodes/:mac", Access::admin, ctx, delete_node));
}

}  // namespace blazeiot
