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

struct ApiResult {
  unsigned status = 200;
  boost::json::value body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
  std::optional<FileReply> file;  // set: the body is this file, streamed by the server
};

// 200 with the file as body (ranges and conditional requests handled by the server).
ApiResult file_result(FileReply file);

// {"success":true,"data":{...}}
ApiResult item_result(boost::json::value data, unsigned status = 200);
// {"success":true,"count":N,["total":T,]"data":[...]}
ApiResult list_result(boost::json::array data, std::optional<std::int64_t> total = std::nullopt);
// {"success":true,"message":"..."}
ApiResult message_result(std::string_view message, unsigned status = 200);
// {"success":false,"message":"..."}
ApiResult error_result(unsigned status, std::string_view message);
// 400 {"success":false,"errors":[{"field":..,"message":..}]}
ApiResult validation_result(const std::vector<FieldError>& errors);

}  // namespace blazeiot
