#include "http/file_reply.hpp"

#include <boost/beast/http/field.hpp>
#include <cstdio>

namespace blazeiot {
namespace http = boost::beast::http;

std::string file_etag(std::uint64_t size, std::int64_t mtime_ns) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"%llx-%llx\"", static_cast<unsigned long long>(size),
                static_cast<unsigned long long>(mtime_ns));
  return buf;
}

namespace {

// If-None-Match: "*" or a comma-separated list of (possibly weak) entity tags; weak
// comparison, as RFC 9110 prescribes for this header.
bool none_match(std::string_view list, std::string_view etag) {
  if (list == "*") return true;
  std::size_t start = 0;
  while (start < list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view tag = list.substr(start, comma - start);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
    start = comma + 1;
  }
  return false;
}

}  // namespace

FilePlan plan_file_response(const http::request_header<>& request, const std::string& etag,
                            std::uint64_t size) {
  FilePlan plan;
  plan.headers.emplace_back("ETag", etag);
  plan.headers.emplace_back("Accept-Ranges", "bytes");
  if (auto it = request.find(http::field::if_none_match); it != request.end()) {
    if (none_match(it->value(), etag)) {
      plan.status = 304;
      return plan;
    }
  }
  plan.length = size;
  auto range_it = request.find(http::field::range);
  const bool get_or_head =
      request.method() == http::verb::get || request.method() == http::verb::head;
  if (range_it == request.end() || !get_or_head) return plan;
  // If-Range with another entity tag: the file changed since the client's first part, so it
  // gets the whole new file instead of a splice of two versions.
  if (auto it = request.find(http::field::if_range); it != request.end() &&
                                                    !if_range_matches(it->value(), etag))
    return plan;
  RangeRequest range = parse_range(range_it->value(), size);
  if (range.kind == RangeKind::unsatisfiable) {
    plan.status = 416;
    plan.length = 0;
    plan.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
    return plan;
  }
  if (range.kind == RangeKind::satisfiable) {
    plan.status = 206;
    plan.offset = range.range.first;
    plan.length = range.range.last - range.range.first + 1;
    plan.headers.emplace_back("Content-Range", "bytes " + std::to_string(range.range.first) + "-" +
                                                   std::to_string(range.range.last) + "/" +
                                                   std::to_string(size));
  }
  return plan;
}

}  // namespace blazeiot
