#pragma once
// A response whose body is a file on disk, streamed by the server in chunks (firmware images,
// the dashboard's assets) with ETag, conditional GET and single byte ranges, so that memory
// does not grow with the file and a device can resume a download after a power cut.
#include <boost/beast/http/message.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/byte_range.hpp"

namespace blazeiot {

struct FileReply {
  std::string path;  // resolved by the handler; never a client-supplied name
  std::string content_type = "application/octet-stream";
  std::string cache_control = "no-cache";
  std::string etag;  // quoted strong ETag; derived from size and mtime when empty
  std::optional<std::string> content_security_policy;  // replaces the API's default
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Content-Disposition
};

// What the server sends for a FileReply, decided from the request header and the file's
// metadata: 200 whole, 206 one range, 304 not modified, 416 range not satisfiable.
struct FilePlan {
  unsigned status = 200;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;  // body bytes to send (0 for 304/416 and HEAD still says length)
  std::vector<std::pair<std::string, std::string>> headers;  // ETag, Content-Range, ...
};

std::string file_etag(std::uint64_t size, std::int64_t mtime_ns);

FilePlan plan_file_response(const boost::beast::http::request_header<>& request,
                            const std::string& etag, std::uint64_t size);

}  // namespace blazeiot
