// /api/commands: commands to devices, tracked until the device answers or they expire.
#include <boost/json.hpp>
#include <charconv>
#include <limits>

#include "core/identifier.hpp"
#include "http/api_routes.hpp"
#include "http/ota_api.hpp"
#include "http/ota_views.hpp"

namespace blazeiot {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

constexpr std::size_t kMaxParamsBytes = 16 * 1024;

// Command names travel in payloads and logs: keep them plain.
std::optional<std::string> command_name_problem(std::string_view s) {
  if (s.empty() || s.size() > 64) return "must be 1 to 64 characters";
  if (!is_alnum_or(s, "_-.:")) return "may hold only letters, digits, '_', '-', '.' and ':'";
  return std::nullopt;
}

ApiResult send_command(OtaApi& api, ApiRequest& req) {
  auto parsed = parse_json_body(req);
  if (auto* failure = std::get_if<ApiResult>(&parsed)) return std::move(*failure);
  BodyReader body(std::get<json::object>(parsed));
  auto device_id = body.identifier("device_id", true);
  auto command = body.checked("command", true, command_name_problem);
  auto params = body.object_json("params", kMaxParamsBytes);
  auto timeout = body.integer("timeout", false, 1, 7 * 24 * 3600);
  if (auto bad = invalid(body.finish())) return *bad;
  if (!api.services.storage.devices().find(*device_id))
    return error_result(404, "Device not found");
  Command c = api.commands.send(*device_id, *command, params.value_or("{}"), req.user->username,
                                timeout.value_or(0) * 1000);
  return item_result(to_json(c), 201);
}

ApiResult list_commands(OtaApi& api, ApiRequest& req) {
  QueryReader q(req.query);
  CommandQuery query;
  query.device_id = q.text({"device_id", "deviceId"}, 128);
  query.status = q.text({"status"}, 16);
  query.limit = static_cast<int>(q.integer({"limit"}, 100, 1, 1000));
  query.offset = q.integer({"offset"}, 0, 0, std::numeric_limits<std::int64_t>::max());
  if (auto bad = invalid(q.errors())) return *bad;
  CommandStore& store = api.services.storage.commands();
  auto rows = store.list(query);
  const auto total =
      page_total(rows.size(), query.limit, query.offset, [&] { return store.count(query); });
  json::array data;
  for (const Command& c : rows) data.push_back(to_json(c));
  return list_result(std::move(data), total);
}

ApiResult get_command(OtaApi& api, ApiRequest& req) {
  auto c = api.services.storage.commands().find(req.param("command_id"));
  if (!c) return error_result(404, "Command not found");
  return item_result(to_json(*c));
}

}  // namespace

void add_command_routes(Router& router, OtaApi& api) {
  router.add(api_route(verb::post, "/api/commands/send", Access::admin, api, send_command));
  router.add(api_route(verb::get, "/api/commands", Access::user, api, list_commands));
  router.add(api_route(verb::get, "/api/commands/:command_id", Access::user, api, get_command));
}

}  // namespace blazeiot
