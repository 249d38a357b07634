#pragma once
// A request body that is consumed while it arrives instead of being collected in memory
// (firmware uploads of up to MAX_FIRMWARE_SIZE). A route that streams its body opens a sink
// from the request header; the server feeds it chunk by chunk and asks it for the response
// once the body is complete. A sink that is destroyed without completing (the client went
// away, a limit was hit) must leave nothing behind.
#include <string_view>

#include "http/api_request.hpp"
#include "http/api_result.hpp"

namespace blazeiot {

class BodySink {
 public:
  virtual ~BodySink() = default;
  // A chunk of the body. False refuses the rest; error() then says why.
  virtual bool write(std::string_view bytes) = 0;
  // The whole body arrived: the response. Runs on the blocking pool (fsync, hashing, database).
  virtual ApiResult complete(ApiRequest& request) = 0;
  // The response for a refused body (400, 413, 415, 507, ...).
  virtual ApiResult error() const = 0;
};

}  // namespace blazeiot
