#include "http/json_views.hpp"

#include <boost/json.hpp>

#include "core/iso_time.hpp"

namespace blazeiot {
namespace json = boost::json;

json::storage_ptr json_arena() { return json::make_shared_resource<json::monotonic_resource>(); }

json::value iso_or_null(const std::optional<EpochMs>& t, json::storage_ptr sp) {
  if (!t) return json::value(nullptr, sp);
  return json::value(format_iso8601(*t), sp);
}

json::value stored_json(std::string_view text, json::storage_ptr sp) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, sp);
  if (ec) return json::value(text, sp);
  return v;
}

namespace {
json::value text_or_null(const std::string& s, const json::storage_ptr& sp) {
  if (s.empty()) return json::value(nullptr, sp);
  return json::value(s, sp);
}
}  // namespace

json::value to_json(const Device& d, json::storage_ptr sp) {
  return json::object(
      {
          {"device_id", d.device_id},
          {"name", d.name},
          {"type", d.type},
          {"firmware_version", d.firmware_version},
          {"status", to_string(d.status)},
          {"last_seen", iso_or_null(d.last_seen, sp)},
          {"metadata", stored_json(d.metadata_json, sp)},
          {"created_at", format_iso8601(d.created_at)},
          {"updated_at", format_iso8601(d.updated_at)},
      },
      sp);
}

json::value to_json(const Gateway& g, json::storage_ptr sp) {
  return json::object(
      {
          {"gateway_id", g.gateway_id},
          {"name", g.name},
          {"type", g.type},
          {"status", to_string(g.status)},
          {"last_seen", iso_or_null(g.last_seen, sp)},
          {"metadata", stored_json(g.metadata_json, sp)},
          {"node_count", g.node_count},
          {"created_at", format_iso8601(g.created_at)},
          {"updated_at", format_iso8601(g.updated_at)},
      },
      sp);
}

json::value to_json(const NodeRecord& r, json::storage_ptr sp) {
  const Node& n = r.node;
  return json::object(
      {
          {"id", r.id},
          {"mac", n.mac},
          {"gateway_id", n.gateway_id},
          {"name", n.name},
          {"type", n.type},
          {"status", to_string(n.status)},
          {"last_seen", iso_or_null(n.last_seen, sp)},
          {"metadata", stored_json(n.metadata_json, sp)},
          {"created_at", format_iso8601(n.created_at)},
          {"updated_at", format_iso8601(n.updated_at)},
      },
      sp);
}

json::value to_json(const Reading& r, json::storage_ptr sp) {
  json::value value(nullptr, sp);
  if (r.value) value = *r.value;
  return json::object(
      {
          {"id", r.id},
          {"source_type", to_string(r.source_type)},
          {"source_id", r.source_id},
          {"gateway_id", text_or_null(r.gateway_id, sp)},
          {"type", text_or_null(r.type, sp)},
          {"value", std::move(value)},
          {"data", stored_json(r.data_json, sp)},
          {"timestamp", format_iso8601(r.received_at)},
          {"device_timestamp", iso_or_null(r.device_time, sp)},
      },
      sp);
}

json::value to_json(const LogEntry& e, json::storage_ptr sp) {
  return json::object(
      {
          {"id", e.id},
          {"category", e.category},
          {"level", e.level},
          {"source", e.source},
          {"message", e.message},
          {"details", stored_json(e.details_json, sp)},
          {"timestamp", format_iso8601(e.timestamp)},
      },
      sp);
}

json::value to_json(const User& u, json::storage_ptr sp) {
  return json::object(
      {
          {"id", u.id},
          {"username", u.username},
          {"email", u.email},
          {"role", u.role},
          {"created_at", format_iso8601(u.created_at)},
          {"updated_at", format_iso8601(u.updated_at)},
          {"last_login", iso_or_null(u.last_login, sp)},
      },
      sp);
}

}  // namespace blazeiot
