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

void write_stored_json(JsonWriter& w, std::string_view text) {
  if (is_valid_json(text))
    w.raw(text);
  else
    w.string(text);
}

void write_json(JsonWriter& w, const Reading& r) {
  auto text_or_null = [&w](std::string_view key, const std::string& text) {
    if (text.empty())
      w.key(key).null();
    else
      w.field(key, text);
  };
  w.begin_object().field("id", r.id).field("source_type", to_string(r.source_type));
  w.field("source_id", r.source_id);
  text_or_null("gateway_id", r.gateway_id);
  text_or_null("type", r.type);
  if (r.value)
    w.key("value").number(*r.value);
  else
    w.key("value").null();
  write_stored_json(w.key("data"), r.data_json);
  w.key("timestamp").iso_time(r.received_at);
  if (r.device_time)
    w.key("device_timestamp").iso_time(*r.device_time);
  else
    w.key("device_timestamp").null();
  w.end_object();
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
