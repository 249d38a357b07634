#include "http/ota_views.hpp"

#include <boost/json.hpp>

#include "core/iso_time.hpp"
#include "http/json_views.hpp"

namespace blazeiot {
namespace json = boost::json;

json::value to_json(const Firmware& f) {
  return json::object{{"id", f.id},
                      {"version", f.version},
                      {"device_type", f.device_type},
                      {"description", f.description},
                      {"filename", f.filename},
                      {"size", f.size},
                      {"sha256", f.sha256},
                      {"manifest", stored_json(f.manifest)},
                      {"signature", f.signature},
                      {"uploaded_by", f.uploaded_by},
                      {"created_at", format_iso8601(f.created_at)},
                      {"download_path", "/firmware/" + f.filename}};
}

json::value to_json(const OtaUpdate& u) {
  json::object o{{"id", u.id},
                 {"device_id", u.device_id},
                 {"firmware_id", u.firmware_id ? json::value(*u.firmware_id) : nullptr},
                 {"firmware_version", u.firmware_version},
                 {"campaign_id", u.campaign_id ? json::value(*u.campaign_id) : nullptr},
                 {"status", u.status},
                 {"progress", u.progress ? json::value(*u.progress) : nullptr},
                 {"error", u.error.empty() ? json::value(nullptr) : json::value(u.error)},
                 {"created_at", format_iso8601(u.created_at)},
                 {"updated_at", format_iso8601(u.updated_at)},
                 {"completed_at", iso_or_null(u.completed_at)}};
  return o;
}

json::value to_json(const Campaign& c, const CampaignProgress& p) {
  json::array targets;
  for (const std::string& id : c.device_ids) targets.emplace_back(id);
  return json::object{
      {"id", c.id},
      {"firmware_id", c.firmware_id},
      {"firmware_version", c.firmware_version},
      {"device_type", c.device_type},
      {"device_ids", std::move(targets)},
      {"per_minute", c.per_minute},
      {"max_failure_ratio", c.max_failure_ratio},
      {"status", c.status},
      {"reason", c.reason},
      {"created_by", c.created_by},
      {"created_at", format_iso8601(c.created_at)},
      {"updated_at", format_iso8601(c.updated_at)},
      {"finished_at", iso_or_null(c.finished_at)},
      {"progress", json::object{{"targets", p.targets},
                                {"started", p.started},
                                {"succeeded", p.succeeded},
                                {"failed", p.failed},
                                {"in_flight", p.in_flight}}}};
}

json::value to_json(const Command& c) {
  return json::object{
      {"id", c.id},
      {"command_id", c.command_id},
      {"device_id", c.device_id},
      {"command", c.command},
      {"params", stored_json(c.params_json)},
      {"status", c.status},
      {"result", c.result_json.empty() ? json::value(nullptr) : stored_json(c.result_json)},
      {"created_by", c.created_by},
      {"created_at", format_iso8601(c.created_at)},
      {"updated_at", format_iso8601(c.updated_at)},
      {"expires_at", iso_or_null(c.expires_at)}};
}

}  // namespace blazeiot
