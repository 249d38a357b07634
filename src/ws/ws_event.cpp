#include "ws/ws_event.hpp"

#include <boost/json.hpp>

#include "core/iso_time.hpp"
#include "core/json_text.hpp"

namespace blazeiot {
namespace json = boost::json;

namespace {
constexpr const char* kChannelNames[kWsChannelCount] = {"devices", "gateways", "sensor_data",
                                                        "ota", "logs"};

std::shared_ptr<const std::string> text_of(const json::object& o) {
  return std::make_shared<const std::string>(json_text(o));
}

// The stored reading text is the device's own JSON; send it as an object, not a string.
json::value data_of(const std::string& data_json) {
  boost::system::error_code ec;
  json::value v = json::parse(data_json, ec);
  return ec ? json::value(json::object()) : v;
}

struct Mapper {
  std::optional<WsEvent> operator()(const PresenceChanged& p) const {
    WsEvent e;
    json::object o;
    std::string ts = format_iso8601(p.at);
    if (p.kind == EntityKind::device) {
      e.channel = WsChannel::devices;
      e.device_id = p.id;
      o = {{"type", "device_status"}, {"device_id", p.id}, {"status", to_string(p.status)},
           {"timestamp", ts}};
    } else if (p.kind == EntityKind::gateway) {
      e.channel = WsChannel::gateways;
      e.gateway_id = p.id;
      o = {{"type", "gateway_status"}, {"gateway_id", p.id}, {"status", to_string(p.status)},
           {"timestamp", ts}};
    } else {
      e.channel = WsChannel::gateways;
      e.device_id = p.id;
      e.gateway_id = p.gateway_id;
      o = {{"type", "node_status"}, {"mac", p.id}, {"gateway_id", p.gateway_id},
           {"status", to_string(p.status)}, {"timestamp", ts}};
    }
    e.coalesce_key = std::make_shared<const std::string>(std::string("s|") + to_string(p.kind) +
                                                         "|" + p.gateway_id + "|" + p.id);
    e.text = text_of(o);
    return e;
  }

  std::optional<WsEvent> operator()(const ReadingStored& r) const {
    const Reading& reading = r.reading;
    WsEvent e;
    e.channel = WsChannel::sensor_data;
    e.device_id = reading.source_id;
    e.gateway_id = reading.gateway_id;
    e.reading_type = reading.type;
    e.coalesce_key = std::make_shared<const std::string>("r|" + reading.gateway_id + "|" +
                                                         reading.source_id + "|" + reading.type);
    json::object o = {{"type", "sensor_data"},
                      {"source_type", to_string(reading.source_type)},
                      {"source_id", reading.source_id},
                      {"data", data_of(reading.data_json)},
                      {"timestamp", format_iso8601(reading.received_at)}};
    if (!reading.gateway_id.empty()) o["gateway_id"] = reading.gateway_id;
    e.text = text_of(o);
    return e;
  }

  std::optional<WsEvent> operator()(const OtaStatusChanged& c) const {
    const OtaResponse& r = c.response;
    WsEvent e;
    e.channel = WsChannel::ota;
    e.device_id = r.device_id;
    json::object o = {{"type", "ota_update"},
                      {"device_id", r.device_id},
                      {"status", r.status},
                      {"firmware_version", r.firmware_version},
                      {"timestamp", format_iso8601(r.received_at)}};
    if (r.progress) o["progress"] = *r.progress;
    if (!r.error.empty()) o["error"] = r.error;
    e.text = text_of(o);
    return e;
  }

  std::optional<WsEvent> operator()(const LogWritten& l) const {
    const LogEntry& entry = l.entry;
    WsEvent e;
    e.channel = WsChannel::logs;
    json::object o = {{"type", "system_log"},        {"category", entry.category},
                      {"level", entry.level},        {"source", entry.source},
                      {"message", entry.message},    {"timestamp", format_iso8601(entry.timestamp)}};
    e.text = text_of(o);
    return e;
  }

  // Registration is announced by the presence change that comes with it.
  std::optional<WsEvent> operator()(const EntityRegistered&) const { return std::nullopt; }
};

}  // namespace

std::optional<WsChannel> parse_ws_channel(std::string_view name) {
  for (int i = 0; i < kWsChannelCount; ++i)
    if (name == kChannelNames[i]) return static_cast<WsChannel>(i);
  return std::nullopt;
}

const char* to_string(WsChannel channel) { return kChannelNames[static_cast<int>(channel)]; }

std::optional<WsEvent> to_ws_event(const PlatformEvent& event) { return std::visit(Mapper{}, event); }

}  // namespace blazeiot
