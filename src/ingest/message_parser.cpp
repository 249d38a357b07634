#include "ingest/message_parser.hpp"

#include <boost/json.hpp>
#include <cctype>
#include <cmath>

#include "core/identifier.hpp"
#include "core/json_text.hpp"
#include "core/iso_time.hpp"

namespace blazeiot {
namespace json = boost::json;

const char* to_string(RejectReason r) {
  switch (r) {
    case RejectReason::unknown_topic: return "unknown_topic";
    case RejectReason::too_large: return "too_large";
    case RejectReason::not_json: return "not_json";
    case RejectReason::not_object: return "not_object";
    case RejectReason::missing_id: return "missing_id";
    case RejectReason::invalid_id: return "invalid_id";
    case RejectReason::invalid_field: return "invalid_field";
  }
  return "unknown";
}

const std::vector<std::string>& ingest_topic_filters() {
  static const std::vector<std::string> filters = {"SensorData/#", "BLEGatewayData/#",
                                                   "LoRaGatewayData/#", "OTA/+/response",
                                                   "CommandResponse/+"};
  return filters;
}

namespace {

enum class Channel { sensor, ble, lora, ota, command };

struct Route {
  Channel channel;
  std::string_view topic_id;  // the topic's second level, "" when absent
  bool status = false;        // <prefix>/<id>/status
};

// The first three levels of a topic and how many levels it has; called for every message,
// so without allocating.
struct TopicLevels {
  std::string_view level[3];
  std::size_t count = 0;
};

TopicLevels split_topic(std::string_view topic) {
  TopicLevels t;
  std::size_t start = 0;
  for (;;) {
    std::size_t slash = topic.find('/', start);
    if (t.count < 3) t.level[t.count] = topic.substr(start, slash - start);
    ++t.count;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return t;
}

std::optional<Route> route(std::string_view topic) {
  TopicLevels levels = split_topic(topic);
  std::string_view head = levels.level[0];
  Route r{};
  if (head == "SensorData") r.channel = Channel::sensor;
  else if (head == "BLEGatewayData") r.channel = Channel::ble;
  else if (head == "LoRaGatewayData") r.channel = Channel::lora;
  else if (head == "OTA" && levels.count == 3 && levels.level[2] == "response") r.channel = Channel::ota;
  else if (head == "CommandResponse" && levels.count == 2) r.channel = Channel::command;
  else return std::nullopt;
  if (levels.count > 1) r.topic_id = levels.level[1];
  r.status = r.channel != Channel::ota && r.channel != Channel::command && levels.count == 3 &&
             levels.level[2] == "status";
  return r;
}

struct Failure {
  Rejection rejection;
};

// A parsed payload only lives until its fields are copied out, so it goes into an arena that
// sits on the stack for any usual device message (a few hundred bytes), instead of one heap
// allocation per object, member table and string. Larger payloads continue on the heap.
struct JsonArena {
  unsigned char buffer[4096];
  json::monotonic_resource resource{buffer, sizeof buffer};
};

// Reads an id field: absent -> fallback (may be empty -> missing), present -> must be a valid
// identifier string.
std::string read_id(const json::object& o, std::string_view field, std::string_view fallback) {
  auto it = o.find(field);
  if (it == o.end() || it->value().is_null()) {
    if (fallback.empty() || !is_valid_identifier(fallback))
      throw Failure{{RejectReason::missing_id, std::string(field) + " is required"}};
    return std::string(fallback);
  }
  if (!it->value().is_string())
    throw Failure{{RejectReason::invalid_id, std::string(field) + " must be a string"}};
  std::string_view id = it->value().get_string();
  if (!is_valid_identifier(id))
    throw Failure{{RejectReason::invalid_id,
                   std::string(field) + " must be 1-128 characters without / + # or control characters"}};
  return std::string(id);
}

std::string optional_text(const json::object& o, std::string_view field) {
  auto it = o.find(field);
  if (it == o.end() || !it->value().is_string()) return {};
  std::string_view s = it->value().get_string();
  return std::string(s.substr(0, 256));
}

std::string_view trim_whitespace(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<double> number_of(const json::value& v) {
  if (v.is_double()) {
    double d = v.get_double();
    if (std::isfinite(d)) return d;
    return std::nullopt;
  }
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return std::nullopt;
}

std::optional<EpochMs> device_time(const json::object& o) {
  auto it = o.find("timestamp");
  if (it == o.end()) return std::nullopt;
  if (it->value().is_string()) return parse_iso8601(it->value().get_string());
  if (auto n = number_of(it->value())) {
    // Epoch seconds or milliseconds: anything below 1e11 is taken as seconds.
    double v = *n < 1e11 ? *n * 1000.0 : *n;
    if (v > 0 && v < 4e12) return static_cast<EpochMs>(v);
  }
  return std::nullopt;
}

// `original` is the object's text as the device sent it, when we have it (a single-object
// message): stored verbatim, which is both faithful and cheaper than re-serialising.
Reading make_reading(const json::object& o, SourceType type, std::string source_id,
                     std::string gateway_id, EpochMs now, std::string_view original) {
  Reading r;
  r.source_type = type;
  r.source_id = std::move(source_id);
  r.gateway_id = std::move(gateway_id);
  r.type = optional_text(o, "type");
  if (auto it = o.find("value"); it != o.end()) r.value = number_of(it->value());
  r.data_json = original.empty() ? json_text(o) : std::string(original);
  r.received_at = now;
  r.device_time = device_time(o);
  return r;
}

EntitySighting sighting(EntityKind kind, std::string id, std::string gateway_id, std::string name,
                        std::string type, EpochMs now) {
  EntitySighting s;
  s.kind = kind;
  s.id = std::move(id);
  s.gateway_id = std::move(gateway_id);
  s.name = std::move(name);
  s.type = std::move(type);
  s.seen_at = now;
  return s;
}

void parse_sensor(const json::object& o, const Route& r, EpochMs now, std::string_view original,
                  ParsedMessage& out) {
  std::string id = read_id(o, "device_id", r.topic_id);
  std::string device_type = optional_text(o, "device_type");
  out.sightings.push_back(sighting(EntityKind::device, id, "", id, device_type, now));
  out.readings.push_back(make_reading(o, SourceType::device, std::move(id), "", now, original));
}

void parse_gateway_node(const json::object& o, const Route& r, EpochMs now, bool lora,
                        std::string_view original, ParsedMessage& out) {
  std::string gateway = read_id(o, "gateway_id", r.topic_id);
  std::string node = read_id(o, lora ? "node_id" : "mac", "");
  std::string name;
  if (lora) {
    name = "LoRa_" + node;
  } else {
    name = std::string(trim_whitespace(optional_text(o, "beacon_name")));
    if (name.empty() || !is_valid_identifier(name)) name = node;
  }
  const char* type = lora ? "lora" : "ble";
  // One gateway sighting per message is enough; arrays repeat the same gateway.
  bool gateway_seen = false;
  for (const auto& s : out.sightings)
    if (s.kind == EntityKind::gateway && s.id == gateway) gateway_seen = true;
  if (!gateway_seen)
    out.sightings.push_back(sighting(EntityKind::gateway, gateway, "", gateway, type, now));
  out.sightings.push_back(sighting(EntityKind::node, node, gateway, std::move(name), type, now));
  out.readings.push_back(
      make_reading(o, SourceType::node, std::move(node), std::move(gateway), now, original));
}

void parse_ota(const json::object& o, const Route& r, EpochMs now, ParsedMessage& out) {
  OtaResponse resp;
  resp.device_id = read_id(o, "device_id", r.topic_id);
  auto st = o.find("status");
  if (st == o.end() || !st->value().is_string())
    throw Failure{{RejectReason::invalid_field, "status must be a string"}};
  std::string_view status = st->value().get_string();
  if (status.empty() || status.size() > 32 ||
      status.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string_view::npos)
    throw Failure{{RejectReason::invalid_field, "status must be a lowercase word"}};
  resp.status = status;
  resp.firmware_version = optional_text(o, "firmware_version").substr(0, 64);
  resp.error = optional_text(o, "error");
  if (auto it = o.find("progress"); it != o.end()) {
    auto n = number_of(it->value());
    if (!n || *n < 0 || *n > 100)
      throw Failure{{RejectReason::invalid_field, "progress must be a number from 0 to 100"}};
    resp.progress = static_cast<int>(*n);
  }
  resp.received_at = now;
  out.ota.push_back(std::move(resp));
}

// Held to the alphabet of the ids the platform issues in CommandRequest: anything else
// cannot name one of our commands.
std::string read_command_id(const json::object& o) {
  auto it = o.find("command_id");
  if (it == o.end() || it->value().is_null())
    throw Failure{{RejectReason::missing_id, "command_id is required"}};
  if (!it->value().is_string())
    throw Failure{{RejectReason::invalid_id, "command_id must be a string"}};
  std::string_view id = it->value().get_string();
  constexpr std::string_view kAllowed =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-";
  if (id.empty() || id.size() > 64 || id.find_first_not_of(kAllowed) != std::string_view::npos)
    throw Failure{{RejectReason::invalid_id,
                   "command_id must be 1-64 characters of A-Z a-z 0-9 _ . : -"}};
  return std::string(id);
}

// Devices word success differently; whatever is not one of these words counts as a failure,
// so no reply leaves a command open.
std::string command_outcome(std::string_view status) {
  std::string word(status);
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool ok = word == "success" || word == "ok" || word == "done" || word == "completed";
  return ok ? "success" : "failed";
}

void parse_command_reply(const json::object& o, const Route& r, EpochMs now,
                         ParsedMessage& out) {
  CommandReply reply;
  reply.device_id = read_id(o, "device_id", r.topic_id);
  reply.command_id = read_command_id(o);
  auto st = o.find("status");
  if (st == o.end() || !st->value().is_string())
    throw Failure{{RejectReason::invalid_field, "status must be a string"}};
  reply.status = command_outcome(st->value().get_string());
  // null is no result, like an absent one.
  if (auto it = o.find("result"); it != o.end() && !it->value().is_null())
    reply.result_json = json_text(it->value());
  reply.received_at = now;
  out.command_replies.push_back(std::move(reply));
}

std::optional<Presence> presence_word(std::string_view s) {
  if (s == "online" || s == "active") return Presence::online;
  if (s == "offline") return Presence::offline;
  return std::nullopt;
}

void parse_status(std::string_view payload, const Route& r, ParsedMessage& out,
                  const json::parse_options& opts) {
  EntityKind kind = r.channel == Channel::sensor ? EntityKind::device : EntityKind::gateway;
  const char* id_field = kind == EntityKind::device ? "device_id" : "gateway_id";
  if (auto p = presence_word(trim_whitespace(payload))) {
    if (r.topic_id.empty() || !is_valid_identifier(r.topic_id))
      throw Failure{{RejectReason::missing_id, "status topic needs an id level"}};
    out.status.push_back({kind, std::string(r.topic_id), *p});
    return;
  }
  boost::system::error_code ec;
  JsonArena arena;
  json::value v = json::parse(payload, ec, &arena.resource, opts);
  if (ec) throw Failure{{RejectReason::not_json, ec.message()}};
  if (!v.is_object()) throw Failure{{RejectReason::not_object, "status must be an object"}};
  const auto& o = v.get_object();
  std::string id = read_id(o, id_field, r.topic_id);
  auto st = o.find("status");
  std::optional<Presence> p;
  if (st != o.end() && st->value().is_string()) p = presence_word(st->value().get_string());
  if (!p) throw Failure{{RejectReason::invalid_field, "status must be \"online\" or \"offline\""}};
  out.status.push_back({kind, std::move(id), *p});
}

}  // namespace

std::variant<ParsedMessage, Rejection> parse_message(std::string_view topic,
                                                     std::string_view payload, EpochMs now,
                                                     const ParseLimits& limits) {
  auto r = route(topic);
  if (!r) return Rejection{RejectReason::unknown_topic, "topic not handled"};
  if (payload.size() > limits.max_payload)
    return Rejection{RejectReason::too_large, "payload of " + std::to_string(payload.size()) +
                                                  " bytes exceeds " +
                                                  std::to_string(limits.max_payload)};
  json::parse_options opts;
  opts.max_depth = limits.max_depth;
  ParsedMessage out;
  try {
    if (r->status) {
      parse_status(payload, *r, out, opts);
      return out;
    }
    boost::system::error_code ec;
    JsonArena arena;
    json::value v = json::parse(payload, ec, &arena.resource, opts);
    if (ec) return Rejection{RejectReason::not_json, ec.message()};
    if (!numbers_are_finite(v))
      return Rejection{RejectReason::invalid_field, "a number is beyond the range of a double"};
    auto handle = [&](const json::object& o, std::string_view original) {
      switch (r->channel) {
        case Channel::sensor: parse_sensor(o, *r, now, original, out); break;
        case Channel::ble: parse_gateway_node(o, *r, now, false, original, out); break;
        case Channel::lora: parse_gateway_node(o, *r, now, true, original, out); break;
        case Channel::ota: parse_ota(o, *r, now, out); break;
        case Channel::command: parse_command_reply(o, *r, now, out); break;
      }
    };
    if (v.is_object()) {
      handle(v.get_object(), trim_whitespace(payload));
    } else if (v.is_array() && r->channel != Channel::ota && r->channel != Channel::command) {
      const auto& a = v.get_array();
      if (a.empty()) return Rejection{RejectReason::not_object, "empty array"};
      if (a.size() > limits.max_array_items)
        return Rejection{RejectReason::too_large, "more than " +
                                                      std::to_string(limits.max_array_items) +
                                                      " items"};
      // All or nothing: a message with one bad element changes nothing.
      for (const auto& item : a) {
        if (!item.is_object()) return Rejection{RejectReason::not_object, "array items must be objects"};
        handle(item.get_object(), {});
      }
    } else {
      return Rejection{RejectReason::not_object, "payload must be a JSON object or array of objects"};
    }
  } catch (const Failure& f) {
    return f.rejection;
  }
  return out;
}

}  // namespace blazeiot
