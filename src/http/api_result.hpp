#pragma once
// What a route handler returns: a status and a JSON body in one of the platform's envelopes.
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/file_reply.hpp"

namespace blazeiot {

struct FieldError {
  std::string field;
  std::string message;
};

// A 400 lists at most this many problems, each field name cut to kMaxFieldNameBytes: a body
// of a million unknown keys must not earn a reply many times its size.
inline constexpr std::size_t kMaxFieldErrors = 20;
inline constexpr std::size_t kMaxFieldNameBytes = 64;

struct ApiResult {
  unsigned status = 200;
  boost::json::value body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
  std::optional<FileReply> file;  // set: the body is this file, streamed by the server
  std::optional<std::string> body_text;  // set: the JSON body, already written (wins over body)
};

// `body` as it is, with `status`.
ApiResult json_result(unsigned status, boost::json::value body);
// 200 with the file as body (ranges and conditional requests handled by the server).
ApiResult file_result(FileReply file);

// {"success":true,"data":{...}}
ApiResult item_result(boost::json::value data, unsigned status = 200);
// {"success":true,"count":N,["total":T,]"data":[...]}
ApiResult list_result(boost::json::array data, std::optional<std::int64_t> total = std::nullopt);
// The same envelope around `items`, the JSON text of the array (written with a JsonWriter
// by pages where building values first would cost more than the query).
ApiResult written_list_result(std::string_view items, std::size_t count,
                              std::optional<std::int64_t> total = std::nullopt);
// {"success":true,"data":<item>} around the JSON text of one item.
ApiResult written_item_result(std::string_view item);
// {"success":true,"message":"..."}
ApiResult message_result(std::string_view message, unsigned status = 200);
// {"success":false,"message":"..."}
ApiResult error_result(unsigned status, std::string_view message);
// 400 {"success":false,"errors":[{"field":..,"message":..}]}; past kMaxFieldErrors the list
// ends with {"field":"body","message":"N more problems"}.
ApiResult validation_result(const std::vector<FieldError>& errors);

}  // namespace blazeiot
