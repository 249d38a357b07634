#include "http/api_result.hpp"

#include <boost/json.hpp>

#include "core/json_text.hpp"
#include "core/json_writer.hpp"

namespace blazeiot {
namespace json = boost::json;

ApiResult json_result(unsigned status, json::value body) {
  ApiResult r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// The envelope shares the data's memory resource, so the data moves in instead of being copied.
ApiResult item_result(json::value data, unsigned status) {
  json::object o(data.storage());
  o["success"] = true;
  o["data"] = std::move(data);
  return json_result(status, std::move(o));
}

ApiResult list_result(json::array data, std::optional<std::int64_t> total) {
  return written_list_result(json_text(data), data.size(), total);
}

ApiResult written_list_result(std::string_view items, std::size_t count,
                              std::optional<std::int64_t> total) {
  std::string body;
  body.reserve(items.size() + 64);
  JsonWriter w(body);
  w.begin_object().field("success", true).field("count", static_cast<std::int64_t>(count));
  if (total) w.field("total", *total);
  w.key("data").raw(items).end_object();
  ApiResult r;
  r.body_text = std::move(body);
  return r;
}

ApiResult written_item_result(std::string_view item) {
  std::string body;
  body.reserve(item.size() + 32);
  JsonWriter(body).begin_object().field("success", true).key("data").raw(item).end_object();
  ApiResult r;
  r.body_text = std::move(body);
  return r;
}

ApiResult message_result(std::string_view message, unsigned status) {
  json::object o;
  o["success"] = true;
  o["message"] = message;
  return json_result(status, std::move(o));
}

ApiResult error_result(unsigned status, std::string_view message) {
  json::object o;
  o["success"] = false;
  o["message"] = message;
  return json_result(status, std::move(o));
}

ApiResult file_result(FileReply file) {
  ApiResult r;
  r.file = std::move(file);
  return r;
}

namespace {

// At most kMaxFieldNameBytes, cut at a character boundary (names come from parsed JSON, so
// they are valid UTF-8, and must stay so).
std::string_view short_field_name(std::string_view name) {
  if (name.size() <= kMaxFieldNameBytes) return name;
  std::size_t end = kMaxFieldNameBytes;
  while (end > 0 && (static_cast<unsigned char>(name[end]) & 0xC0) == 0x80) --end;
  return name.substr(0, end);
}

}  // namespace

ApiResult validation_result(const std::vector<FieldError>& errors) {
  json::array list;
  for (const FieldError& e : errors) {
    if (list.size() == kMaxFieldErrors) {
      const std::size_t more = errors.size() - kMaxFieldErrors;
      list.push_back(json::object{
          {"field", "body"},
          {"message", std::to_string(more) + " more problem" + (more == 1 ? "" : "s")}});
      break;
    }
    list.push_back(json::object{{"field", short_field_name(e.field)}, {"message", e.message}});
  }
  json::object o;
  o["success"] = false;
  o["errors"] = std::move(list);
  return json_result(400, std::move(o));
}

}  // namespace blazeiot
