#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/iso_time.hpp"
#include "http/validation.hpp"

namespace blazeiot {
namespace {

boost::json::object obj(const char* text) { return boost::json::parse(text).as_object(); }

bool has_error(const std::vector<FieldError>& errors, const std::string& field) {
  for (const auto& e : errors)
    if (e.field == field) return true;
  return false;
}

TEST(BodyReader, AcceptsKnownFields) {
  auto body = obj(R"({"device_id":"Device0001","name":"Boiler room","metadata":{"floor":2}})");
  BodyReader r(body);
  auto id = r.identifier("device_id", true);
  auto name = r.text("name", false, 0, 128);
  auto type = r.text("type", false, 0, 64);
  auto meta = r.object_json("metadata", 1024);
  EXPECT_TRUE(r.finish().empty());
  EXPECT_EQ(*id, "Device0001");
  EXPECT_EQ(*name, "Boiler room");
  EXPECT_FALSE(type.has_value());
  EXPECT_EQ(*meta, R"({"floor":2})");
}

TEST(BodyReader, RejectsUnknownFieldsByName) {
  auto body = obj(R"({"device_id":"D1","role":"admin","id":5,"status":"online"})");
  BodyReader r(body);
  r.identifier("device_id", true);
  auto errors = r.finish();
  EXPECT_EQ(errors.size(), 3u);
  EXPECT_TRUE(has_error(errors, "role"));
  EXPECT_TRUE(has_error(errors, "id"));
  EXPECT_TRUE(has_error(errors, "status"));
}

TEST(BodyReader, ManyUnknownFieldsAreCountedNotEachListed) {
  boost::json::object body;
  for (int i = 0; i < 5000; ++i) body["k" + std::to_string(i)] = i;
  BodyReader r(body);
  auto errors = r.finish();
  ASSERT_EQ(errors.size(), kMaxFieldErrors);
  EXPECT_EQ(errors.back().field, "body");
  EXPECT_EQ(errors.back().message,
            std::to_string(5000 - (kMaxFieldErrors - 1)) + " more unrecognised fields");

  // As many as a reply lists: each is named.
  boost::json::object twenty;
  for (std::size_t i = 0; i < kMaxFieldErrors; ++i) twenty["k" + std::to_string(i)] = 1;
  BodyReader exact(twenty);
  auto named = exact.finish();
  ASSERT_EQ(named.size(), kMaxFieldErrors);
  EXPECT_FALSE(has_error(named, "body"));
}

TEST(ValidationResult, ListsAFewProblemsWithShortNames) {
  std::vector<FieldError> errors;
  // A two-byte character across the cut: the name ends before it.
  errors.push_back({std::string(63, 'b') + "\xc3\xa9tail", "is not a recognised field"});
  for (int i = 0; i < 40; ++i) errors.push_back({"f" + std::to_string(i), "is wrong"});
  ApiResult r = validation_result(errors);
  EXPECT_EQ(r.status, 400u);
  const auto& list = r.body.as_object().at("errors").as_array();
  ASSERT_EQ(list.size(), kMaxFieldErrors + 1);
  EXPECT_EQ(list[0].at("field").as_string(), std::string(63, 'b'));
  EXPECT_EQ(list[1].at("field").as_string(), "f0");
  EXPECT_EQ(list.back().at("field").as_string(), "body");
  EXPECT_EQ(list.back().at("message").as_string(),
            std::to_string(errors.size() - kMaxFieldErrors) + " more problems");
}

TEST(BodyReader, ChecksTypesLengthsAndPresence) {
  auto body = obj(R"({"name":42,"type":"x","firmware_version":"v\u0001","metadata":[1]})");
  BodyReader r(body);
  r.identifier("device_id", true);
  r.text("name", false, 0, 128);
  r.text("type", false, 2, 64);
  r.text("firmware_version", false, 0, 64);
  r.object_json("metadata", 1024);
  auto errors = r.finish();
  EXPECT_EQ(errors.size(), 5u);
  for (const char* f : {"device_id", "name", "type", "firmware_version", "metadata"})
    EXPECT_TRUE(has_error(errors, f)) << f;
}

TEST(BodyReader, LengthCountsCharactersNotBytes) {
  auto body = obj(R"({"name":"ÄÖÜäöü"})");
  BodyReader r(body);
  EXPECT_TRUE(r.text("name", true, 0, 6).has_value());
  EXPECT_TRUE(r.finish().empty());
}

TEST(BodyReader, IdentifiersFollowTheTopicRules) {
  for (const char* bad : {R"({"device_id":""})", R"({"device_id":"a/b"})", R"({"device_id":"a+b"})",
                          R"({"device_id":"a#"})", R"({"device_id":"a\nb"})"}) {
    auto body = obj(bad);
    BodyReader r(body);
    r.identifier("device_id", true);
    EXPECT_TRUE(has_error(r.finish(), "device_id")) << bad;
  }
  std::string long_id = R"({"device_id":")" + std::string(129, 'x') + R"("})";
  auto body = obj(long_id.c_str());
  BodyReader r(body);
  r.identifier("device_id", true);
  EXPECT_TRUE(has_error(r.finish(), "device_id"));
}

TEST(BodyReader, OneOfAndMetadataSize) {
  auto body = obj(R"({"role":"superuser","metadata":{"k":"0123456789"}})");
  BodyReader r(body);
  r.one_of("role", false, {"admin", "viewer"});
  r.object_json("metadata", 10);
  auto errors = r.finish();
  EXPECT_TRUE(has_error(errors, "role"));
  EXPECT_TRUE(has_error(errors, "metadata"));

  auto huge = obj(R"({"params":{"speed":[1, 1e999]}})");
  BodyReader h(huge);
  EXPECT_FALSE(h.object_json("params", 1024));
  EXPECT_TRUE(has_error(h.finish(), "params"));
}

ApiRequest with_body(std::string body, std::string content_type = "application/json") {
  ApiRequest r;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

TEST(JsonBody, OnlyObjectsOfJson) {
  EXPECT_TRUE(std::holds_alternative<boost::json::object>(parse_json_body(with_body("{}"))));
  EXPECT_TRUE(std::holds_alternative<boost::json::object>(
      parse_json_body(with_body("{}", "application/json; charset=utf-8"))));
  auto status = [](const ApiRequest& r) {
    auto v = parse_json_body(r);
    return std::holds_alternative<ApiResult>(v) ? std::get<ApiResult>(v).status : 200u;
  };
  EXPECT_EQ(status(with_body("[1,2]")), 400u);
  EXPECT_EQ(status(with_body("{\"a\":")), 400u);
  EXPECT_EQ(status(with_body("")), 400u);
  EXPECT_EQ(status(with_body("{\"a\":1}", "text/plain")), 415u);
  EXPECT_EQ(status(with_body("{\"s\":\"\xff\xfe\"}")), 400u);  // not UTF-8
  std::string deep(40, '[');
  deep = "{\"a\":" + deep + std::string(40, ']') + "}";
  EXPECT_EQ(status(with_body(deep)), 400u);
}

TEST(QueryReader, IntegersWithRanges) {
  ApiRequest::Pairs q = {{"limit", "50"}, {"offset", "-1"}};
  QueryReader r(q);
  EXPECT_EQ(r.integer({"limit"}, 100, 1, 1000), 50);
  EXPECT_EQ(r.integer({"offset"}, 0, 0, 1000), 0);
  EXPECT_EQ(r.integer({"missing"}, 7, 1, 10), 7);
  ASSERT_EQ(r.errors().size(), 1u);
  EXPECT_EQ(r.errors()[0].field, "offset");

  for (const char* bad : {"0", "1001", "abc", "10abc", "", "1e3", " 5"}) {
    ApiRequest::Pairs p = {{"limit", bad}};
    QueryReader x(p);
    x.integer({"limit"}, 100, 1, 1000);
    EXPECT_EQ(x.errors().size(), 1u) << bad;
  }
}

TEST(QueryReader, DatesAndAliases) {
  ApiRequest::Pairs q = {{"startDate", "2024-01-01"}, {"end_date", "2024-01-31"}};
  QueryReader r(q);
  auto from = r.date({"start_date", "startDate"}, false);
  auto to = r.date({"end_date", "endDate"}, true);
  ASSERT_TRUE(from && to);
  EXPECT_EQ(format_iso8601(*from), "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(*to), "2024-01-31T23:59:59.999Z");  // the whole last day
  EXPECT_TRUE(r.errors().empty());

  ApiRequest::Pairs exact = {{"end_date", "2024-01-31T12:00:00Z"}, {"start_date", "yesterday"}};
  QueryReader e(exact);
  EXPECT_EQ(format_iso8601(*e.date({"end_date"}, true)), "2024-01-31T12:00:00.000Z");
  EXPECT_FALSE(e.date({"start_date"}, false));
  EXPECT_EQ(e.errors().size(), 1u);
}

TEST(QueryReader, RepeatedParameterIsAnError) {
  ApiRequest::Pairs q = {{"limit", "5"}, {"limit", "500"}};
  QueryReader r(q);
  EXPECT_EQ(r.integer({"limit"}, 100, 1, 1000), 100);
  EXPECT_EQ(r.errors().size(), 1u);
  ApiRequest::Pairs both = {{"start_date", "2024-01-01"}, {"startDate", "2024-02-01"}};
  QueryReader b(both);
  b.date({"start_date", "startDate"}, false);
  EXPECT_EQ(b.errors().size(), 1u);
}

TEST(QueryReader, Presence) {
  ApiRequest::Pairs q = {{"status", "online"}};
  QueryReader r(q);
  EXPECT_EQ(r.presence("status"), Presence::online);
  ApiRequest::Pairs bad = {{"status", "active"}};
  QueryReader b(bad);
  EXPECT_FALSE(b.presence("status"));
  EXPECT_EQ(b.errors().size(), 1u);
}

}  // namespace
}  // namespace blazeiot
