#include <gtest/gtest.h>

#include "http/router.hpp"

namespace blazeiot {
namespace {

using boost::beast::http::verb;

Route route(verb m, const char* pattern, const char* tag) {
  Route r;
  r.method = m;
  r.pattern = pattern;
  r.handler = [tag](ApiRequest&) { return message_result(tag); };
  return r;
}

std::string tag_of(const Route* r) {
  ApiRequest req;
  return std::string(r->handler(req).body.at("message").as_string());
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router.add(route(verb::get, "/api/devices", "list"));
    router.add(route(verb::post, "/api/devices", "create"));
    router.add(route(verb::get, "/api/devices/:device_id", "one"));
    router.add(route(verb::get, "/api/devices/:device_id/data", "data"));
    router.add(route(verb::get, "/api/ota/:device_id", "ota-param"));
    router.add(route(verb::get, "/api/ota/latest", "ota-latest"));
  }
  auto match(verb m, std::string_view path) { return router.match(m, Router::split(path)); }
  Router router;
};

TEST_F(RouterTest, MatchesLiteralAndParameterSegments) {
  auto m = match(verb::get, "/api/devices/Device0001/data");
  ASSERT_TRUE(std::holds_alternative<RouteMatch>(m));
  auto& rm = std::get<RouteMatch>(m);
  EXPECT_EQ(tag_of(rm.route), "data");
  ASSERT_EQ(rm.params.size(), 1u);
  EXPECT_EQ(rm.params[0].first, "device_id");
  EXPECT_EQ(rm.params[0].second, "Device0001");
}

TEST_F(RouterTest, TrailingSlashIsIgnored) {
  auto m = match(verb::get, "/api/devices/");
  ASSERT_TRUE(std::holds_alternative<RouteMatch>(m));
  EXPECT_EQ(tag_of(std::get<RouteMatch>(m).route), "list");
}

TEST_F(RouterTest, LiteralBeatsParameter) {
  auto m = match(verb::get, "/api/ota/latest");
  ASSERT_TRUE(std::holds_alternative<RouteMatch>(m));
  EXPECT_EQ(tag_of(std::get<RouteMatch>(m).route), "ota-latest");
  auto p = match(verb::get, "/api/ota/Device7");
  EXPECT_EQ(tag_of(std::get<RouteMatch>(p).route), "ota-param");
}

TEST_F(RouterTest, WrongMethodListsTheAllowedOnes) {
  auto m = match(verb::delete_, "/api/devices");
  ASSERT_TRUE(std::holds_alternative<MethodNotAllowed>(m));
  EXPECT_EQ(std::get<MethodNotAllowed>(m).allow, "GET, POST, HEAD, OPTIONS");
}

TEST_F(RouterTest, UnknownPathsAndEmptySegments) {
  EXPECT_TRUE(std::holds_alternative<NoRoute>(match(verb::get, "/api/nothing")));
  EXPECT_TRUE(std::holds_alternative<NoRoute>(match(verb::get, "/api/devices/x/data/extra")));
  EXPECT_TRUE(std::holds_alternative<NoRoute>(match(verb::get, "/api//data")));
  EXPECT_TRUE(std::holds_alternative<NoRoute>(match(verb::get, "")));
  EXPECT_TRUE(std::holds_alternative<NoRoute>(match(verb::get, "api/devices")));
}

TEST_F(RouterTest, HeadUsesGet) {
  auto m = match(verb::head, "/api/devices/abc");
  ASSERT_TRUE(std::holds_alternative<RouteMatch>(m));
  EXPECT_EQ(tag_of(std::get<RouteMatch>(m).route), "one");
}

}  // namespace
}  // namespace blazeiot
