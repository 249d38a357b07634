#include "http/api_result.hpp"

#include <boost/json.hpp>

namespace blazeiot {
namespace json = boost::json;

// The envelope shares the data's memory resource, so the data moves in instead of being copied.
ApiResult item_result(json::value data, unsigned status) {
  json::object o(data.storage());
  o["success"] = true;
  o["data"] = std::move(data);
  return ApiResult{status, std::move(o), {}, {}};
}

ApiResult list_result(json::array data, std::optional<std::int64_t> total) {
  json::object o(data.storage());
  o["success"] = true;
  o["count"] = data.size();
  if (total) o["total"] = *total;
  o["data"] = std::move(data);
  return ApiResult{200, std::move(o), {}, {}};
}

ApiResult message_result(std::string_view message, unsigned status) {
  json::object o;
  o["success"] = true;
  o["message"] = message;
  return ApiResult{status, std::move(o), {}, {}};
}

ApiResult error_result(unsigned status, std::string_view message) {
  json::object o;
  o["success"] = false;
  o["message"] = message;
  return ApiResult{status, std::move(o), {}, {}};
}

ApiResult file_result(FileReply file) {
  ApiResult r;
  r.file = std::move(file);
  return r;
}

ApiResult validation_result(const std::vector<FieldError>& errors) {
  json::array list;
  for (const FieldError& e : errors)
    list.push_back(json::object{{"field", e.field}, {"message", e.message}});
  json::object o;
  o["success"] = false;
  o["errors"] = std::move(list);
  return ApiResult{400, std::move(o), {}, {}};
}

}  // namespace blazeiot
