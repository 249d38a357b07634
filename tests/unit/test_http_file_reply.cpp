// What the server sends for a file: conditional GET, ranges, If-Range.
#include <gtest/gtest.h>

#include "http/dashboard_routes.hpp"
#include "http/file_reply.hpp"

using namespace blazeiot;
namespace http = boost::beast::http;

namespace {

http::request_header<> get(std::initializer_list<std::pair<http::field, const char*>> fields,
                           http::verb method = http::verb::get) {
  http::request_header<> h;
  h.method(method);
  h.target("/firmware/x.bin");
  for (const auto& [k, v] : fields) h.set(k, v);
  return h;
}

std::string header(const FilePlan& plan, std::string_view name) {
  for (const auto& [k, v] : plan.headers)
    if (k == name) return v;
  return "";
}

const std::string kTag = "\"abc\"";

}  // namespace

TEST(FileReply, WholeFileWithValidators) {
  FilePlan p = plan_file_response(get({}), kTag, 1000);
  EXPECT_EQ(p.status, 200u);
  EXPECT_EQ(p.offset, 0u);
  EXPECT_EQ(p.length, 1000u);
  EXPECT_EQ(header(p, "ETag"), kTag);
  EXPECT_EQ(header(p, "Accept-Ranges"), "bytes");
}

TEST(FileReply, NotModifiedForAnyMatchingTag) {
  EXPECT_EQ(plan_file_response(get({{http::field::if_none_match, "\"abc\""}}), kTag, 10).status,
            304u);
  EXPECT_EQ(
      plan_file_response(get({{http::field::if_none_match, "\"x\", W/\"abc\""}}), kTag, 10).status,
      304u);
  EXPECT_EQ(plan_file_response(get({{http::field::if_none_match, "*"}}), kTag, 10).status, 304u);
  EXPECT_EQ(plan_file_response(get({{http::field::if_none_match, "\"other\""}}), kTag, 10).status,
            200u);
}

TEST(FileReply, SingleRange) {
  FilePlan p = plan_file_response(get({{http::field::range, "bytes=100-199"}}), kTag, 1000);
  EXPECT_EQ(p.status, 206u);
  EXPECT_EQ(p.offset, 100u);
  EXPECT_EQ(p.length, 100u);
  EXPECT_EQ(header(p, "Content-Range"), "bytes 100-199/1000");

  p = plan_file_response(get({{http::field::range, "bytes=900-"}}), kTag, 1000);
  EXPECT_EQ(p.status, 206u);
  EXPECT_EQ(p.length, 100u);
  p = plan_file_response(get({{http::field::range, "bytes=-10"}}), kTag, 1000);
  EXPECT_EQ(p.offset, 990u);
  EXPECT_EQ(p.length, 10u);
}

TEST(FileReply, UnsatisfiableAndIgnoredRanges) {
  FilePlan p = plan_file_response(get({{http::field::range, "bytes=1000-"}}), kTag, 1000);
  EXPECT_EQ(p.status, 416u);
  EXPECT_EQ(header(p, "Content-Range"), "bytes */1000");
  // Malformed or several ranges: the whole file.
  EXPECT_EQ(plan_file_response(get({{http::field::range, "bytes=a-b"}}), kTag, 1000).status, 200u);
  EXPECT_EQ(plan_file_response(get({{http::field::range, "bytes=0-1,5-6"}}), kTag, 1000).status,
            200u);
}

TEST(FileReply, IfRangeWithAnotherTagGetsTheWholeNewFile) {
  FilePlan p = plan_file_response(
      get({{http::field::range, "bytes=10-"}, {http::field::if_range, "\"old\""}}), kTag, 100);
  EXPECT_EQ(p.status, 200u);
  EXPECT_EQ(p.length, 100u);
  p = plan_file_response(get({{http::field::range, "bytes=10-"}, {http::field::if_range, "\"abc\""}}),
                         kTag, 100);
  EXPECT_EQ(p.status, 206u);
}

TEST(FileReply, EtagChangesWithSizeOrTime) {
  EXPECT_NE(file_etag(10, 1), file_etag(11, 1));
  EXPECT_NE(file_etag(10, 1), file_etag(10, 2));
  EXPECT_EQ(file_etag(10, 1).front(), '"');
}

TEST(DashboardFiles, ContentTypes) {
  EXPECT_STREQ(content_type_for("index.html"), "text/html; charset=utf-8");
  EXPECT_STREQ(content_type_for("index-Ba4tV51s.js"), "text/javascript; charset=utf-8");
  EXPECT_STREQ(content_type_for("a.css"), "text/css; charset=utf-8");
  EXPECT_STREQ(content_type_for("favicon.svg"), "image/svg+xml");
  EXPECT_STREQ(content_type_for("x.bin"), "application/octet-stream");
  EXPECT_STREQ(content_type_for(".js"), "application/octet-stream");
}
