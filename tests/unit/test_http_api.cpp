// ApiApp end to end without sockets: envelopes, status codes, auth, roles, headers.
#include <gtest/gtest.h>

#include "core/iso_time.hpp"
#include "domain/ingest_batch.hpp"
#include "test_http_support.hpp"

namespace blazeiot {
namespace {

namespace json = boost::json;
using boost::beast::http::verb;
using testing::ApiFixture;

class ApiTest : public ::testing::Test {
 protected:
  ApiFixture f;
  std::string admin = f.login("admin", "admin-pass-1");
  std::string viewer = f.login("viewer", "viewer-pass-1");

  json::object body(const HttpResponse& r) { return ApiFixture::json_of(r).as_object(); }

  void store_readings(const std::string& device, int n, EpochMs first, EpochMs step) {
    IngestBatch batch;
    EntitySighting s;
    s.kind = EntityKind::device;
    s.id = device;
    s.name = device;
    s.seen_at = first;
    batch.sightings.push_back(s);
    for (int i = 0; i < n; ++i) {
      Reading r;
      r.source_type = SourceType::device;
      r.source_id = device;
      r.type = i % 2 ? "humidity" : "temperature";
      r.value = 20.0 + i;
      r.data_json = R"({"device_id":")" + device + R"(","value":)" + std::to_string(20 + i) + "}";
      r.received_at = first + i * step;
      batch.readings.push_back(r);
    }
    f.storage->telemetry().apply(batch);
  }
};

TEST_F(ApiTest, LoginReturnsTokenAndUser) {
  ASSERT_FALSE(admin.empty());
  auto res = f.request(verb::post, "/api/auth/login", "",
                       R"({"username":"viewer","password":"viewer-pass-1"})");
  ASSERT_EQ(res.result_int(), 200);
  auto b = body(res);
  EXPECT_EQ(b.at("success"), true);
  EXPECT_TRUE(b.at("token").is_string());
  auto user = b.at("user").as_object();
  EXPECT_EQ(user.at("username"), "viewer");
  EXPECT_EQ(user.at("role"), "viewer");
  EXPECT_EQ(user.at("email"), "viewer@example.com");
  EXPECT_EQ(user.at("id").as_int64(), f.viewer_id);
  EXPECT_FALSE(user.contains("password_hash"));
  EXPECT_EQ(res.body().find("$argon2"), std::string::npos);
}

TEST_F(ApiTest, LoginFailuresAre401WithoutTellingWhy) {
  auto wrong = f.request(verb::post, "/api/auth/login", "",
                         R"({"username":"admin","password":"nope-nope"})");
  auto nobody = f.request(verb::post, "/api/auth/login", "",
                          R"({"username":"ghost","password":"nope-nope"})");
  EXPECT_EQ(wrong.result_int(), 401);
  EXPECT_EQ(nobody.result_int(), 401);
  EXPECT_EQ(wrong.body(), nobody.body());
  EXPECT_EQ(body(wrong).at("success"), false);
}

TEST_F(ApiTest, LoginIsThrottledPerAccount) {
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(f.request(verb::post, "/api/auth/login", "",
                        R"({"username":"admin","password":"wrong-pass"})")
                  .result_int(),
              401);
  auto blocked = f.request(verb::post, "/api/auth/login", "",
                           R"({"username":"admin","password":"admin-pass-1"})");
  EXPECT_EQ(blocked.result_int(), 429);
  EXPECT_EQ(blocked["Retry-After"], "1");
  f.clock.advance_ms(1000);
  EXPECT_EQ(f.request(verb::post, "/api/auth/login", "",
                      R"({"username":"admin","password":"admin-pass-1"})")
                .result_int(),
            200);
}

TEST_F(ApiTest, LoginValidation) {
  auto res = f.request(verb::post, "/api/auth/login", "", R"({"username":"admin","role":"admin"})");
  ASSERT_EQ(res.result_int(), 400);
  auto errors = body(res).at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u);
  std::set<std::string> fields;
  for (auto& e : errors) fields.insert(std::string(e.at("field").as_string()));
  EXPECT_TRUE(fields.contains("password"));
  EXPECT_TRUE(fields.contains("role"));
  EXPECT_EQ(body(res).at("success"), false);
}

TEST_F(ApiTest, TokensAreRequiredAndChecked) {
  EXPECT_EQ(f.request(verb::get, "/api/devices").result_int(), 401);
  auto bad = f.request(verb::get, "/api/devices", "not.a.token");
  EXPECT_EQ(bad.result_int(), 401);
  EXPECT_EQ(body(bad).at("success"), false);
  EXPECT_EQ(bad["WWW-Authenticate"].substr(0, 6), "Bearer");
  HttpResponse basic = f.request(verb::get, "/api/devices", "", "",
                                 {{"Authorization", "Basic YWRtaW46YWRtaW4xMjM="}});
  EXPECT_EQ(basic.result_int(), 401);
  // Expired.
  f.clock.advance_ms(3600 * 1000 + 1);
  EXPECT_EQ(f.request(verb::get, "/api/devices", admin).result_int(), 401);
}

TEST_F(ApiTest, DeletedUsersTokensStopWorkingAndRoleChangesApplyAtOnce) {
  EXPECT_EQ(f.request(verb::get, "/api/devices", viewer).result_int(), 200);
  UserChanges promote;
  promote.role = "admin";
  f.storage->users().update(f.viewer_id, promote, f.clock.now_ms());
  EXPECT_EQ(f.request(verb::get, "/api/logs", viewer).result_int(), 200);
  EXPECT_EQ(f.storage->users().remove(f.viewer_id), UserWriteResult::ok);
  EXPECT_EQ(f.request(verb::get, "/api/devices", viewer).result_int(), 401);
}

TEST_F(ApiTest, ViewerCannotWrite) {
  EXPECT_EQ(f.request(verb::post, "/api/devices", viewer, R"({"device_id":"D1"})").result_int(),
            403);
  EXPECT_EQ(f.request(verb::put, "/api/devices/D1", viewer, R"({"name":"x"})").result_int(), 403);
  EXPECT_EQ(f.request(verb::delete_, "/api/devices/D1", viewer).result_int(), 403);
  EXPECT_EQ(f.request(verb::post, "/api/gateways", viewer, R"({"gateway_id":"G"})").result_int(),
            403);
  EXPECT_EQ(f.request(verb::get, "/api/users", viewer).result_int(), 403);
  EXPECT_EQ(f.request(verb::get, "/api/logs", viewer).result_int(), 403);
  auto res =
      f.request(verb::post, "/api/users", viewer,
                R"({"username":"eve","email":"e@x.io","password":"longpassword","role":"admin"})");
  EXPECT_EQ(res.result_int(), 403);
  EXPECT_EQ(body(res).at("success"), false);
  EXPECT_FALSE(f.storage->users().find_by_username("eve"));
}

TEST_F(ApiTest, DeviceLifecycle) {
  auto created = f.request(
      verb::post, "/api/devices", admin,
      R"({"device_id":"Device0001","name":"Boiler","type":"Temperature","firmware_version":"1.0.0","metadata":{"room":"B1"}})");
  ASSERT_EQ(created.result_int(), 201) << created.body();
  auto d = body(created).at("data").as_object();
  EXPECT_EQ(d.at("device_id"), "Device0001");
  EXPECT_EQ(d.at("status"), "offline");
  EXPECT_TRUE(d.at("last_seen").is_null());
  EXPECT_EQ(d.at("metadata").at("room"), "B1");
  EXPECT_EQ(d.at("created_at"), json::value(format_iso8601(f.clock.now_ms())));

  EXPECT_EQ(
      f.request(verb::post, "/api/devices", admin, R"({"device_id":"Device0001"})").result_int(),
      409);

  auto list = body(f.request(verb::get, "/api/devices", viewer));
  EXPECT_EQ(list.at("success"), true);
  EXPECT_EQ(list.at("count"), 1);
  EXPECT_EQ(list.at("data").as_array().size(), 1u);

  auto updated = f.request(verb::put, "/api/devices/Device0001", admin, R"({"name":"Boiler 2"})");
  ASSERT_EQ(updated.result_int(), 200);
  EXPECT_EQ(body(updated).at("data").at("name"), "Boiler 2");
  EXPECT_EQ(body(updated).at("data").at("type"), "Temperature");

  EXPECT_EQ(
      f.request(verb::put, "/api/devices/Device0001", admin, R"({"status":"online"})").result_int(),
      400);
  EXPECT_EQ(f.request(verb::put, "/api/devices/Device0001", admin, R"({})").result_int(), 400);
  EXPECT_EQ(f.request(verb::put, "/api/devices/Nope", admin, R"({"name":"x"})").result_int(), 404);

  EXPECT_EQ(f.request(verb::delete_, "/api/devices/Device0001", admin).result_int(), 200);
  EXPECT_EQ(f.request(verb::get, "/api/devices/Device0001", admin).result_int(), 404);
  EXPECT_EQ(f.request(verb::delete_, "/api/devices/Device0001", admin).result_int(), 404);
}

TEST_F(ApiTest, DeviceDataPagingAndDates) {
  const EpochMs t0 = *parse_iso8601("2024-01-01T00:00:00Z");
  store_readings("Device0001", 30, t0, 3600 * 1000);  // hourly from midnight
  auto page = body(f.request(verb::get, "/api/devices/Device0001/data?limit=10&offset=5", viewer));
  EXPECT_EQ(page.at("count"), 10);
  EXPECT_EQ(page.at("total"), 30);
  auto first = page.at("data").as_array()[0].as_object();
  // Newest first: index 29 is newest, offset 5 gives index 24.
  EXPECT_EQ(first.at("timestamp"), json::value(format_iso8601(t0 + 24 * 3600 * 1000)));
  EXPECT_EQ(first.at("data").at("value"), 44);
  EXPECT_EQ(first.at("source_type"), "device");
  EXPECT_EQ(first.at("source_id"), "Device0001");
  EXPECT_TRUE(first.at("device_timestamp").is_null());
  EXPECT_TRUE(first.at("gateway_id").is_null());

  auto day = body(f.request(
      verb::get, "/api/devices/Device0001/data?start_date=2024-01-01&end_date=2024-01-01", viewer));
  EXPECT_EQ(day.at("count"), 24);
  EXPECT_EQ(day.at("total"), 24);
  auto later = body(
      f.request(verb::get, "/api/devices/Device0001/data?start_date=2024-01-02T03:00:00Z", viewer));
  EXPECT_EQ(later.at("count"), 3);

  for (const char* bad :
       {"limit=0", "limit=1001", "offset=-1", "start_date=notadate", "limit=abc"}) {
    auto res = f.request(verb::get, std::string("/api/devices/Device0001/data?") + bad, viewer);
    EXPECT_EQ(res.result_int(), 400) << bad;
    EXPECT_TRUE(body(res).contains("errors")) << bad;
  }
  EXPECT_EQ(f.request(verb::get, "/api/devices/Nobody/data", viewer).result_int(), 404);

  auto latest =
      body(f.request(verb::get, "/api/devices/Device0001/latest?type=temperature", viewer));
  EXPECT_EQ(latest.at("data").at("type"), "temperature");
  EXPECT_EQ(latest.at("data").at("value"), 48.0);
  EXPECT_EQ(
      f.request(verb::get, "/api/devices/Device0001/latest?type=pressure", viewer).result_int(),
      404);
}

TEST_F(ApiTest, UnknownPathsAndMethods) {
  auto res = f.request(verb::get, "/api/nothing/here", admin);
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_EQ(res.body(), R"({"success":false,"message":"API endpoint not found"})");
  auto wrong = f.request(verb::patch, "/api/devices", admin);
  EXPECT_EQ(wrong.result_int(), 405);
  EXPECT_EQ(wrong["Allow"], "GET, POST, HEAD, OPTIONS");
  EXPECT_EQ(f.request(verb::get, "/elsewhere").result_int(), 404);
}

TEST_F(ApiTest, SecurityHeadersOnEveryResponse) {
  for (auto res :
       {f.request(verb::get, "/health"), f.request(verb::get, "/api/nothing"),
        f.request(verb::get, "/api/devices"), f.request(verb::get, "/api/devices", admin)}) {
    EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ(res["X-Frame-Options"], "DENY");
    EXPECT_EQ(res["Referrer-Policy"], "no-referrer");
    EXPECT_TRUE(res["Content-Security-Policy"].starts_with("default-src 'none'"));
    EXPECT_EQ(res.count("Strict-Transport-Security"), 0u);  // plain HTTP
  }
}

TEST_F(ApiTest, Cors) {
  auto allowed = f.request(verb::get, "/health", "", "", {{"Origin", "https://dash.example.com"}});
  EXPECT_EQ(allowed["Access-Control-Allow-Origin"], "https://dash.example.com");
  auto other = f.request(verb::get, "/health", "", "", {{"Origin", "https://evil.example.com"}});
  EXPECT_EQ(other.count("Access-Control-Allow-Origin"), 0u);
  auto preflight = f.request(verb::options, "/api/devices", "", "",
                             {{"Origin", "https://dash.example.com"},
                              {"Access-Control-Request-Method", "POST"},
                              {"Access-Control-Request-Headers", "authorization,content-type"}});
  EXPECT_EQ(preflight.result_int(), 204);
  EXPECT_EQ(preflight["Access-Control-Allow-Origin"], "https://dash.example.com");
  EXPECT_NE(preflight["Access-Control-Allow-Methods"].find("POST"), std::string::npos);
  EXPECT_NE(preflight["Access-Control-Allow-Headers"].find("Authorization"), std::string::npos);
}

TEST_F(ApiTest, HealthAndStatus) {
  auto health = body(f.request(verb::get, "/health"));
  EXPECT_EQ(health.at("status"), "ok");
  EXPECT_DOUBLE_EQ(health.at("uptime").as_double(), 5.0);
  EXPECT_EQ(health.at("timestamp"), json::value(format_iso8601(f.clock.now_ms())));

  f.ingest.snapshot.broker_connected = true;
  f.ingest.snapshot.broker_url = "mqtt://127.0.0.1:1883";
  f.ingest.snapshot.backlog = 7;
  store_readings("D1", 1, f.clock.now_ms(), 1);
  auto status = body(f.request(verb::get, "/api/status", viewer));
  auto data = status.at("data").as_object();
  EXPECT_EQ(data.at("version"), BLAZEIOT_VERSION);
  EXPECT_EQ(data.at("status"), "operational");
  EXPECT_EQ(data.at("mqtt").at("connected"), true);
  EXPECT_EQ(data.at("mqtt").at("broker"), "mqtt://127.0.0.1:1883");
  EXPECT_EQ(data.at("stats").at("devices"), 1);
  EXPECT_EQ(data.at("stats").at("devices_online"), 1);
  EXPECT_EQ(data.at("ingest").at("backlog"), 7);
  EXPECT_GT(data.at("database").at("size_bytes").as_int64(), 0);
  EXPECT_EQ(f.request(verb::get, "/api/status").result_int(), 401);
}

TEST_F(ApiTest, RateLimitHeadersAnd429) {
  Config c = ApiFixture::make_config();
  c.rate_limit_max = 3;
  ApiFixture limited(c);
  for (int i = 0; i < 3; ++i) {
    auto res = limited.request(verb::get, "/api/devices");
    EXPECT_EQ(res.result_int(), 401);
    EXPECT_EQ(res["RateLimit-Limit"], "3");
    EXPECT_EQ(res["RateLimit-Remaining"], std::to_string(2 - i));
  }
  auto res = limited.request(verb::get, "/api/devices");
  EXPECT_EQ(res.result_int(), 429);
  EXPECT_EQ(res["Retry-After"], "900");
  EXPECT_EQ(ApiFixture::json_of(res).at("success"), false);
  EXPECT_EQ(limited.request(verb::get, "/health").result_int(), 200);  // not under /api/
  limited.client_address = "10.0.0.2";
  EXPECT_EQ(limited.request(verb::get, "/api/devices").result_int(), 401);
}

TEST_F(ApiTest, ForwardedForOnlyWithTrustProxy) {
  Config c = ApiFixture::make_config();
  c.rate_limit_max = 1;
  ApiFixture direct(c);
  direct.request(verb::get, "/api/devices", "", "", {{"X-Forwarded-For", "1.2.3.4"}});
  EXPECT_EQ(direct.request(verb::get, "/api/devices", "", "", {{"X-Forwarded-For", "5.6.7.8"}})
                .result_int(),
            429);

  c.trust_proxy = true;
  ApiFixture proxied(c);
  proxied.request(verb::get, "/api/devices", "", "", {{"X-Forwarded-For", "1.2.3.4"}});
  EXPECT_EQ(proxied.request(verb::get, "/api/devices", "", "", {{"X-Forwarded-For", "5.6.7.8"}})
                .result_int(),
            401);
  // Only the right-most entry (added by our proxy) counts; a spoofed left part does not help.
  EXPECT_EQ(
      proxied.request(verb::get, "/api/devices", "", "", {{"X-Forwarded-For", "9.9.9.9, 5.6.7.8"}})
          .result_int(),
      429);
}

TEST_F(ApiTest, UserManagement) {
  auto created =
      f.request(verb::post, "/api/users", admin,
                R"({"username":"carol","email":"carol@example.com","password":"carol-pass-1"})");
  ASSERT_EQ(created.result_int(), 201) << created.body();
  auto carol = body(created).at("data").as_object();
  EXPECT_EQ(carol.at("role"), "viewer");
  const auto carol_id = carol.at("id").as_int64();
  EXPECT_FALSE(f.login("carol", "carol-pass-1").empty());

  EXPECT_EQ(f.request(verb::post, "/api/users", admin,
                      R"({"username":"carol","email":"c2@example.com","password":"carol-pass-1"})")
                .result_int(),
            409);
  auto invalid =
      f.request(verb::post, "/api/users", admin,
                R"({"username":"x","email":"nope","password":"short","role":"root","id":1})");
  ASSERT_EQ(invalid.result_int(), 400);
  EXPECT_EQ(body(invalid).at("errors").as_array().size(), 5u);

  auto promoted =
      f.request(verb::put, "/api/users/" + std::to_string(carol_id), admin, R"({"role":"admin"})");
  EXPECT_EQ(body(promoted).at("data").at("role"), "admin");
  EXPECT_EQ(f.request(verb::get, "/api/users", admin).result_int(), 200);

  // Can't delete yourself; can't remove the last admin.
  EXPECT_EQ(
      f.request(verb::delete_, "/api/users/" + std::to_string(f.admin_id), admin).result_int(),
      409);
  EXPECT_EQ(f.request(verb::delete_, "/api/users/" + std::to_string(carol_id), admin).result_int(),
            200);
  EXPECT_EQ(f.request(verb::put, "/api/users/" + std::to_string(f.admin_id), admin,
                      R"({"role":"viewer"})")
                .result_int(),
            409);
  EXPECT_EQ(f.request(verb::get, "/api/users/999", admin).result_int(), 404);
  EXPECT_EQ(f.request(verb::get, "/api/users/abc", admin).result_int(), 404);
}

TEST_F(ApiTest, ChangeOwnPassword) {
  auto wrong = f.request(verb::put, "/api/auth/password", viewer,
                         R"({"current_password":"nope","new_password":"brand-new-pass"})");
  EXPECT_EQ(wrong.result_int(), 400);
  EXPECT_EQ(body(wrong).at("errors").as_array()[0].at("field"), "current_password");
  auto weak = f.request(verb::put, "/api/auth/password", viewer,
                        R"({"current_password":"viewer-pass-1","new_password":"short"})");
  EXPECT_EQ(weak.result_int(), 400);
  EXPECT_EQ(f.request(verb::put, "/api/auth/password", viewer,
                      R"({"current_password":"viewer-pass-1","new_password":"brand-new-pass"})")
                .result_int(),
            200);
  EXPECT_TRUE(f.login("viewer", "viewer-pass-1").empty());
  EXPECT_FALSE(f.login("viewer", "brand-new-pass").empty());
}

TEST_F(ApiTest, APasswordChangeRevokesTokensIssuedEarlierInTheSameSecond) {
  // viewer's token was issued at the fake clock's start, a whole second.
  f.clock.advance_ms(400);
  std::string later_same_second = f.login("viewer", "viewer-pass-1");
  f.clock.advance_ms(100);
  auto changed = f.request(verb::put, "/api/auth/password", viewer,
                           R"({"current_password":"viewer-pass-1","new_password":"brand-new-pass"})");
  ASSERT_EQ(changed.result_int(), 200);
  EXPECT_EQ(f.request(verb::get, "/api/auth/me", viewer).result_int(), 401);
  EXPECT_EQ(f.request(verb::get, "/api/auth/me", later_same_second).result_int(), 401);
  std::string fresh(body(changed).at("token").as_string());
  EXPECT_EQ(f.request(verb::get, "/api/auth/me", fresh).result_int(), 200);
}

TEST_F(ApiTest, MeReturnsTheCurrentUser) {
  auto me = body(f.request(verb::get, "/api/auth/me", viewer));
  EXPECT_EQ(me.at("data").at("username"), "viewer");
  EXPECT_EQ(me.at("user").at("role"), "viewer");
}

TEST_F(ApiTest, LegacyBcryptLoginIsUpgraded) {
  User legacy;
  legacy.username = "legacy";
  legacy.email = "legacy@example.com";
  legacy.role = "viewer";
  legacy.password_hash = "$2b$10$4OVUeDCVtKb4t6MoMYhTh.0jVZ5oJkIt4y1TtDAq5AYehFscitcgG";
  std::int64_t id = 0;
  f.storage->users().create(legacy, id);
  EXPECT_FALSE(f.login("legacy", "legacy-pass-123").empty());
  auto stored = f.storage->users().find_by_id(id);
  EXPECT_TRUE(stored->password_hash.starts_with("$argon2id$"));
  EXPECT_TRUE(stored->last_login.has_value());
  EXPECT_FALSE(f.login("legacy", "legacy-pass-123").empty());
}

TEST_F(ApiTest, MalformedBodiesAndTargets) {
  EXPECT_EQ(f.request(verb::post, "/api/devices", admin, "{not json").result_int(), 400);
  EXPECT_EQ(f.request(verb::post, "/api/devices", admin, "[]").result_int(), 400);
  auto text = f.request(verb::post, "/api/devices", admin, R"({"device_id":"X"})",
                        {{"Content-Type", "text/plain"}});
  EXPECT_EQ(text.result_int(), 415);
  EXPECT_EQ(f.request(verb::get, "/api/devices/%zz", admin).result_int(), 400);
}

TEST_F(ApiTest, InjectionStringsAreStoredVerbatim) {
  const std::string nasty =
      R"(Robert'); DROP TABLE devices;-- <script>alert(1)</script> {{7*7}} ${x} ✓)";
  json::object req{
      {"device_id", "Inj-1"}, {"name", nasty}, {"metadata", json::object{{"k", nasty}}}};
  ASSERT_EQ(f.request(verb::post, "/api/devices", admin, json::serialize(req)).result_int(), 201);
  auto got = body(f.request(verb::get, "/api/devices/Inj-1", admin));
  EXPECT_EQ(got.at("data").at("name"), json::value(nasty));
  EXPECT_EQ(got.at("data").at("metadata").at("k"), json::value(nasty));
  EXPECT_EQ(f.request(verb::get, "/api/devices", admin).result_int(), 200);
}

TEST_F(ApiTest, GatewaysNodesAndSensorData) {
  IngestBatch batch;
  EntitySighting gw{EntityKind::gateway, "BLEGateway0001", "", "BLEGateway0001", "ble",
                    f.clock.now_ms()};
  EntitySighting node{
      EntityKind::node, "58:8c:81:ab:a6:16", "BLEGateway0001", "TempHumBeacon4", "ble",
      f.clock.now_ms()};
  batch.sightings = {gw, node};
  Reading r;
  r.source_type = SourceType::node;
  r.source_id = "58:8c:81:ab:a6:16";
  r.gateway_id = "BLEGateway0001";
  r.data_json = R"({"gateway_id":"BLEGateway0001","mac":"58:8c:81:ab:a6:16","temperature":21.5})";
  r.received_at = f.clock.now_ms();
  r.device_time = f.clock.now_ms() - 1000;
  batch.readings = {r};
  f.storage->telemetry().apply(batch);

  auto gws = body(f.request(verb::get, "/api/gateways", viewer));
  EXPECT_EQ(gws.at("count"), 1);
  EXPECT_EQ(gws.at("data").as_array()[0].at("node_count"), 1);
  auto one = body(f.request(verb::get, "/api/gateways/BLEGateway0001", viewer));
  EXPECT_EQ(one.at("data").at("node_count"), 1);
  auto nodes = body(f.request(verb::get, "/api/gateways/BLEGateway0001/nodes", viewer));
  EXPECT_EQ(nodes.at("data").as_array()[0].at("name"), "TempHumBeacon4");
  EXPECT_EQ(f.request(verb::get, "/api/gateways/Nope/nodes", viewer).result_int(), 404);

  auto node_data = body(f.request(verb::get, "/api/nodes/58:8c:81:ab:a6:16/data", viewer));
  EXPECT_EQ(node_data.at("count"), 1);
  auto reading = node_data.at("data").as_array()[0].as_object();
  EXPECT_EQ(reading.at("data").at("temperature"), 21.5);
  EXPECT_EQ(reading.at("gateway_id"), "BLEGateway0001");
  EXPECT_EQ(reading.at("device_timestamp"), json::value(format_iso8601(f.clock.now_ms() - 1000)));

  auto renamed =
      f.request(verb::put, "/api/nodes/58:8c:81:ab:a6:16", admin, R"({"name":"Cold room"})");
  EXPECT_EQ(body(renamed).at("data").at("name"), "Cold room");

  auto by_gw = body(f.request(verb::get, "/api/sensor-data?gatewayId=BLEGateway0001", viewer));
  EXPECT_EQ(by_gw.at("count"), 1);
  auto none = body(f.request(verb::get, "/api/sensor-data?deviceId=BLEGateway0001", viewer));
  EXPECT_EQ(none.at("count"), 0);
  EXPECT_EQ(f.request(verb::get, "/api/sensor-data?limit=5000", viewer).result_int(), 400);

  EXPECT_EQ(f.request(verb::delete_, "/api/gateways/BLEGateway0001", admin).result_int(), 200);
  EXPECT_EQ(body(f.request(verb::get, "/api/nodes", viewer)).at("count"), 0);
  EXPECT_EQ(body(f.request(verb::get, "/api/sensor-data", viewer)).at("count"), 0);
}

TEST_F(ApiTest, LogsForAdmins) {
  IngestBatch batch;
  for (int i = 0; i < 5; ++i) {
    LogEntry e;
    e.category = i % 2 ? "mqtt" : "device";
    e.level = "info";
    e.message = "entry " + std::to_string(i);
    e.details_json = R"({"n":)" + std::to_string(i) + "}";
    e.timestamp = f.clock.now_ms() - (5 - i) * 60'000;
    batch.logs.push_back(e);
  }
  f.storage->telemetry().apply(batch);
  auto all = body(f.request(verb::get, "/api/logs?limit=2", admin));
  EXPECT_EQ(all.at("count"), 2);
  EXPECT_EQ(all.at("total"), 5);
  EXPECT_EQ(all.at("data").as_array()[0].at("message"), "entry 4");
  EXPECT_EQ(all.at("data").as_array()[0].at("details").at("n"), 4);
  auto mqtt = body(f.request(verb::get, "/api/logs?category=mqtt", admin));
  EXPECT_EQ(mqtt.at("count"), 2);
  const std::string since = format_iso8601(f.clock.now_ms() - 150'000);
  auto recent = body(f.request(verb::get, "/api/logs?start_date=" + since, admin));
  EXPECT_EQ(recent.at("count"), 2);
}

TEST_F(ApiTest, HeadHasNoBody) {
  auto res = f.request(verb::head, "/health");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_TRUE(res.body().empty());
  EXPECT_NE(res[boost::beast::http::field::content_length], "0");
}

}  // namespace
}  // namespace blazeiot
