// /api/devices: directly connected devices.
#include <boost/json.hpp>

#include "http/api_routes.hpp"
#include "http/json_views.hpp"

namespace blazeiot {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

ApiResult device_not_found() { return error_result(404, "Device not found"); }

ApiResult list_devices(ApiContext& ctx, ApiRequest& req) {
  QueryReader q(req.query);
  DeviceFilter filter;
  filter.status = q.presence("status");
  filter.type = q.text({"type"}, 64);
  filter.page = read_row_page(q);
  if (auto bad = invalid(q.errors())) return *bad;
  json::array data;
  for (const Device& d : ctx.services.storage.devices().list(filter)) data.push_back(to_json(d));
  return list_result(std::move(data));
}

ApiResult get_device(ApiContext& ctx, ApiRequest& req) {
  auto device = ctx.services.storage.devices().find(req.param("device_id"));
  if (!device) return device_not_found();
  return item_result(to_json(*device));
}

ApiResult device_data(ApiContext& ctx, ApiRequest& req) {
  QueryReader q(req.query);
  ReadingQuery query;
  read_reading_window(q, query);
  query.type = q.text({"type"}, 128);
  if (auto bad = invalid(q.errors())) return *bad;
  query.source_type = SourceType::device;
  query.source_id = std::string(req.param("device_id"));
  return readings_page(ctx, query, [&]() -> std::optional<ApiResult> {
    if (!ctx.services.storage.devices().find(*query.source_id)) return device_not_found();
    return std::nullopt;
  });
}

ApiResult latest_reading(ApiContext& ctx, ApiRequest& req) {
  QueryReader q(req.query);
  ReadingQuery query;
  query.type = q.text({"type"}, 128);
  if (auto bad = invalid(q.errors())) return *bad;
  if (!ctx.services.storage.devices().find(req.param("device_id"))) return device_not_found();
  query.source_type = SourceType::device;
  query.source_id = std::string(req.param("device_id"));
  query.limit = 1;
  auto rows = ctx.services.storage.readings().find(query);
  if (rows.empty()) return error_result(404, "No data for this device");
  std::string item;
  JsonWriter w(item);
  write_json(w, rows.front());
  return written_item_result(item);
}

ApiResult create_device(ApiContext& ctx, ApiRequest& req) {
  auto parsed = parse_json_body(req);
  if (auto* failure = std::get_if<ApiResult>(&parsed)) return std::move(*failure);
  BodyReader body(std::get<json::object>(parsed));
  Device d;
  auto id = body.identifier("device_id", true);
  auto name = body.text("name", false, 0, 128);
  auto type = body.text("type", false, 0, 64);
  auto firmware = body.text("firmware_version", false, 0, 64);
  auto metadata = body.object_json("metadata", kMaxMetadataBytes);
  if (auto bad = invalid(body.finish())) return *bad;
  d.device_id = *id;
  d.name = name.value_or(d.device_id);
  d.type = type.value_or("");
  d.firmware_version = firmware.value_or("");
  d.metadata_json = metadata.value_or("{}");
  d.status = Presence::offline;
  d.created_at = d.updated_at = req.now;
  if (!ctx.services.storage.devices().create(d))
    return error_result(409, "A device with this device_id already exists");
  ctx.services.log.info("device", req.user->username,
                        "Device " + d.device_id + " registered through the API");
  ctx.services.events.publish(EntityRegistered{EntityKind::device, d.device_id, "", req.now});
  return item_result(to_json(d), 201);
}

ApiResult update_device(ApiContext& ctx, ApiRequest& req) {
  auto parsed = parse_json_body(req);
  if (auto* failure = std::get_if<ApiResult>(&parsed)) return std::move(*failure);
  BodyReader body(std::get<json::object>(parsed));
  DeviceChanges changes;
  changes.name = body.text("name", false, 0, 128);
  changes.type = body.text("type", false, 0, 64);
  changes.firmware_version = body.text("firmware_version", false, 0, 64);
  changes.metadata_json = body.object_json("metadata", kMaxMetadataBytes);
  auto errors = body.finish();
  if (errors.empty() && !changes.name && !changes.type && !changes.firmware_version &&
      !changes.metadata_json)
    errors.push_back(
        {"body", "must contain at least one of name, type, firmware_version, metadata"});
  if (auto bad = invalid(errors)) return *bad;
  auto device = ctx.services.storage.devices().update(req.param("device_id"), changes, req.now);
  if (!device) return device_not_found();
  return item_result(to_json(*device));
}

ApiResult delete_device(ApiContext& ctx, ApiRequest& req) {
  const std::string id(req.param("device_id"));
  if (!ctx.services.storage.devices().remove(id)) return device_not_found();
  ctx.readings_cache.invalidate(id);
  ctx.services.log.info("device", req.user->username, "Device " + id + " deleted through the API");
  return message_result("Device deleted");
}

}  // namespace

void add_device_routes(Router& router, ApiContext& ctx) {
  router.add(api_route(verb::get, "/api/devices", Access::user, ctx, list_devices));
  router.add(api_route(verb::get, "/api/devices/:device_id", Access::user, ctx, get_device));
  router.add(api_route(verb::get, "/api/devices/:device_id/data", Access::user, ctx, device_data));
  router.add(
      api_route(verb::get, "/api/devices/:device_id/latest", Access::user, ctx, latest_reading));
  router.add(api_route(verb::post, "/api/devices", Access::admin, ctx, create_device));
  router.add(api_route(verb::put, "/api/devices/:device_id", Access::admin, ctx, update_device));
  router.add(
      api_route(verb::delete_, "/api/devices/:device_id", Access::admin, ctx, delete_device));
}

}  // namespace blazeiot
