// /api/ota: the firmware registry, updates of one device, campaigns, the signing key; and the
// firmware downloads under /firmware/ (admin token or a signed, expiring link).
#include <boost/json.hpp>
#include <charconv>
#include <limits>

#include "domain/semver.hpp"
#include "http/api_routes.hpp"
#include "http/body_sink.hpp"
#include "http/ota_api.hpp"
#include "http/ota_views.hpp"

namespace blazeiot {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

constexpr std::size_t kMaxCampaignTargets = 10'000;
// Multipart framing around the file: boundaries, part headers and the small fields.
constexpr std::size_t kMultipartOverhead = 64 * 1024;

std::optional<std::int64_t> id_param(const ApiRequest& req, std::string_view name) {
  std::string_view s = req.param(name);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

ApiResult firmware_not_found() { return error_result(404, "Firmware not found"); }

ApiResult list_firmware(OtaApi& api, ApiRequest& req) {
  QueryReader q(req.query);
  auto type = q.text({"device_type"}, 64);
  if (auto bad = invalid(q.errors())) return *bad;
  json::array data;
  std::optional<std::string_view> filter;
  if (type) filter = *type;
  for (const Firmware& f : api.registry.list(filter)) data.push_back(to_json(f));
  return list_result(std::move(data));
}

ApiResult get_firmware(OtaApi& api, ApiRequest& req) {
  auto id = id_param(req, "id");
  if (!id) return firmware_not_found();
  auto fw = api.registry.find(*id);
  if (!fw) return firmware_not_found();
  return item_result(to_json(*fw));
}

ApiResult delete_firmware(OtaApi& api, ApiRequest& req) {
  auto id = id_param(req, "id");
  if (!id) return firmware_not_found();
  switch (api.registry.remove(*id, req.user->username)) {
    case FirmwareRegistry::RemoveOutcome::removed:
      return message_result("Firmware deleted");
    case FirmwareRegistry::RemoveOutcome::in_use:
      return error_result(409, "Firmware is used by an update or campaign in progress");
    case FirmwareRegistry::RemoveOutcome::not_found:
      break;
  }
  return firmware_not_found();
}

ApiResult latest_firmware(OtaApi& api, ApiRequest& req) {
  QueryReader q(req.query);
  auto type = q.text({"device_type"}, 64);
  if (!type && q.errors().empty()) q.errors().push_back({"device_type", "is required"});
  if (auto bad = invalid(q.errors())) return *bad;
  auto fw = api.registry.latest(*type);
  if (!fw) return error_result(404, "No firmware for this device type");
  return item_result(to_json(*fw));
}

ApiResult public_key(OtaApi& api, ApiRequest&) {
  return item_result(json::object{{"algorithm", "Ed25519"},
                                  {"public_key", api.registry.signer().public_key_base64()},
                                  {"encoding", "base64"},
                                  {"signed", "manifest"}});
}

bool is_http_url(std::string_view s) {
  return (s.starts_with("http://") || s.starts_with("https://")) && s.size() <= 2048 &&
         s.find_first_of(" \t\r\n\"") == std::string_view::npos;
}

ApiResult trigger_update(OtaApi& api, ApiRequest& req) {
  auto parsed = parse_json_body(req);
  if (auto* failure = std::get_if<ApiResult>(&parsed)) return std::move(*failure);
  BodyReader body(std::get<json::object>(parsed));
  auto device_id = body.identifier("device_id", true);
  auto version = body.text("firmware_version", true, 1, 64);
  auto url = body.text("firmware_url", false, 0, 2048);
  if (url && !url->empty() && !is_http_url(*url))
    body.error("firmware_url", "must be an http:// or https:// URL");
  if (auto bad = invalid(body.finish())) return *bad;

  auto device = api.services.storage.devices().find(*device_id);
  if (!device) return error_result(404, "Device not found");
  auto fw = api.registry.resolve(*version, device->type);
  if (!fw) {
    return error_result(404, "No firmware " + *version + " for device type '" + device->type +
                                 "'");
  }
  const std::string base = api.ota.base_url(req.origin);
  if (base.empty() && (!url || url->empty()))
    return error_result(400, "Set PUBLIC_URL: the request's Host header cannot be used in links");
  OtaUpdate u = api.ota.trigger(*device_id, *fw, base, url.value_or(""), std::nullopt,
                                req.user->username);
  return item_result(to_json(u));
}

ApiResult history(OtaApi& api, ApiRequest& req) {
  QueryReader q(req.query);
  const auto limit = q.integer({"limit"}, 100, 1, 1000);
  const auto offset = q.integer({"offset"}, 0, 0, std::numeric_limits<std::int64_t>::max());
  if (auto bad = invalid(q.errors())) return *bad;
  const std::string device_id(req.param("device_id"));
  auto rows = api.services.storage.ota().history(device_id, static_cast<int>(limit), offset);
  const auto total = page_total(rows.size(), limit, offset,
                                [&] { return api.services.storage.ota().history_count(device_id); });
  json::array data;
  for (const OtaUpdate& u : rows) data.push_back(to_json(u));
  return list_result(std::move(data), total);
}

ApiResult campaign_not_found() { return error_result(404, "Campaign not found"); }

ApiResult create_campaign(OtaApi& api, ApiRequest& req) {
  auto parsed = parse_json_body(req);
  if (auto* failure = std::get_if<ApiResult>(&parsed)) return std::move(*failure);
  BodyReader body(std::get<json::object>(parsed));
  auto firmware_id = body.integer("firmware_id", true, 1, std::numeric_limits<std::int64_t>::max());
  auto device_type = body.text("device_type", false, 1, 64);
  auto device_ids = body.identifiers("device_ids", false, kMaxCampaignTargets);
  auto per_minute = body.integer("per_minute", false, 1, 100'000);
  auto ratio = body.number("max_failure_ratio", false, 0.0, 1.0);
  auto errors = body.finish();
  if (errors.empty() && device_type.has_value() == device_ids.has_value())
    errors.push_back({"device_ids", "give either device_type (all its devices) or device_ids"});
  if (auto bad = invalid(errors)) return *bad;

  auto fw = api.registry.find(*firmware_id);
  if (!fw) return firmware_not_found();
  Campaign c;
  c.firmware_id = fw->id;
  c.firmware_version = fw->version;
  c.device_type = fw->device_type;
  if (device_type) {
    if (*device_type != fw->device_type)
      return validation_result({{"device_type", "does not match the firmware's device type"}});
    DeviceFilter filter;
    filter.type = *device_type;
    for (const Device& d : api.services.storage.devices().list(filter))
      c.device_ids.push_back(d.device_id);
    if (c.device_ids.empty()) return error_result(404, "No devices of type " + *device_type);
    if (c.device_ids.size() > kMaxCampaignTargets)
      return error_result(400, "More than 10000 devices: split the campaign");
  } else {
    // Each device must exist and be of the firmware's type (or have none given yet), as for
    // a single update: firmware for one board must never reach another.
    std::vector<FieldError> problems;
    for (const std::string& id : *device_ids) {
      auto device = api.services.storage.devices().find(id);
      if (!device) {
        problems.push_back({"device_ids", "unknown device " + id});
      } else if (!device->type.empty() && device->type != fw->device_type) {
        problems.push_back({"device_ids", "device " + id + " is of type " + device->type +
                                              ", the firmware is for " + fw->device_type});
      }
      if (problems.size() >= 20) break;
    }
    if (auto bad = invalid(problems)) return *bad;
    c.device_ids = std::move(*device_ids);
  }
  c.per_minute = static_cast<int>(per_minute.value_or(10));
  c.max_failure_ratio = ratio.value_or(0.2);
  c.created_by = req.user->username;
  c.base_url = api.ota.base_url(req.origin);
  if (c.base_url.empty())
    return error_result(400, "Set PUBLIC_URL: the request's Host header cannot be used in links");
  Campaign stored = api.ota.start_campaign(std::move(c));
  return item_result(to_json(stored, api.services.storage.ota().campaign_progress(stored.id)), 201);
}

ApiResult list_campaigns(OtaApi& api, ApiRequest& req) {
  QueryReader q(req.query);
  const auto limit = q.integer({"limit"}, 100, 1, 1000);
  const auto offset = q.integer({"offset"}, 0, 0, std::numeric_limits<std::int64_t>::max());
  if (auto bad = invalid(q.errors())) return *bad;
  OtaStore& store = api.services.storage.ota();
  json::array data;
  for (const Campaign& c : store.list_campaigns(static_cast<int>(limit), offset))
    data.push_back(to_json(c, store.campaign_progress(c.id)));
  return list_result(std::move(data));
}

ApiResult get_campaign(OtaApi& api, ApiRequest& req) {
  auto id = id_param(req, "id");
  if (!id) return campaign_not_found();
  OtaStore& store = api.services.storage.ota();
  auto c = store.find_campaign(*id);
  if (!c) return campaign_not_found();
  return item_result(to_json(*c, store.campaign_progress(c->id)));
}

ApiResult campaign_updates(OtaApi& api, ApiRequest& req) {
  auto id = id_param(req, "id");
  if (!id) return campaign_not_found();
  OtaStore& store = api.services.storage.ota();
  if (!store.find_campaign(*id)) return campaign_not_found();
  json::array data;
  for (const OtaUpdate& u : store.campaign_updates(*id)) data.push_back(to_json(u));
  return list_result(std::move(data));
}

ApiResult stop_campaign(OtaApi& api, ApiRequest& req) {
  auto id = id_param(req, "id");
  if (!id) return campaign_not_found();
  OtaStore& store = api.services.storage.ota();
  auto existing = store.find_campaign(*id);
  if (!existing) return campaign_not_found();
  auto stopped = api.ota.stop_campaign(*id, req.user->username);
  if (!stopped) return error_result(409, "Campaign is not running (" + existing->status + ")");
  return item_result(to_json(*stopped, store.campaign_progress(*id)));
}

// A device fetching its update presents the signed link from the update message; an admin
// may fetch any file with a token.
ApiResult download_firmware(OtaApi& api, ApiRequest& req) {
  const std::string filename(req.param("filename"));
  const std::string path = "/firmware/" + filename;
  std::string_view expires, signature;
  for (const auto& [k, v] : req.query) {
    if (k == "expires") expires = v;
    if (k == "signature") signature = v;
  }
  const bool signed_ok = !signature.empty() && api.links.verify(path, expires, signature, req.now);
  if (!signed_ok) {
    if (!signature.empty() && !req.user) return error_result(403, "Download link invalid or expired");
    if (!req.user) {
      ApiResult r = error_result(401, "Access token or signed download link required");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"blazeiot\"");
      return r;
    }
    if (req.user->role != Role::admin) return error_result(403, "Admin access required");
  }
  // Only names the registry gave out resolve; anything else (.., /, .incoming) is a 404.
  auto fw = api.registry.find_by_filename(filename);
  if (!fw) return error_result(404, "Firmware file not found");
  FileReply file;
  file.path = api.registry.path_of(*fw).string();
  file.content_type = "application/octet-stream";
  file.cache_control = "private, no-cache";
  // The content never changes under a name, so its hash is the strongest validator there is.
  file.etag = "\"" + fw->sha256 + "\"";
  file.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + filename + "\"");
  file.headers.emplace_back("X-Firmware-SHA256", fw->sha256);
  return file_result(std::move(file));
}

}  // namespace

void add_ota_routes(Router& router, OtaApi& api) {
  router.add(api_route(verb::get, "/api/ota/firmware", Access::user, api, list_firmware));
  Route upload;
  upload.method = verb::post;
  upload.pattern = "/api/ota/firmware";
  upload.access = Access::admin;
  upload.body_limit = api.services.config.max_firmware_size + kMultipartOverhead;
  upload.open_body = [&api](ApiRequest& request, std::optional<ApiResult>& refusal) {
    return open_firmware_upload(api, request, refusal);
  };
  router.add(std::move(upload));
  router.add(api_route(verb::get, "/api/ota/firmware/:id", Access::user, api, get_firmware));
  router.add(api_route(verb::delete_, "/api/ota/firmware/:id", Access::admin, api, delete_firmware));
  router.add(api_route(verb::get, "/api/ota/latest", Access::anyone, api, latest_firmware));
  router.add(api_route(verb::get, "/api/ota/public-key", Access::anyone, api, public_key));
  router.add(api_route(verb::post, "/api/ota/update", Access::admin, api, trigger_update));
  router.add(api_route(verb::get, "/api/ota/history/:device_id", Access::user, api, history));
  router.add(api_route(verb::post, "/api/ota/campaigns", Access::admin, api, create_campaign));
  router.add(api_route(verb::get, "/api/ota/campaigns", Access::user, api, list_campaigns));
  router.add(api_route(verb::get, "/api/ota/campaigns/:id", Access::user, api, get_campaign));
  router.add(
      api_route(verb::get, "/api/ota/campaigns/:id/updates", Access::user, api, campaign_updates));
  router.add(
      api_route(verb::post, "/api/ota/campaigns/:id/stop", Access::admin, api, stop_campaign));
  router.add(api_route(verb::get, "/firmware/:filename", Access::optional_user, api,
                       download_firmware));
}

}  // namespace blazeiot
