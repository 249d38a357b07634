// libFuzzer harness over HTTP request handling: raw bytes -> Beast's request parser (with the
// server's limits) -> ApiApp (target parsing, CORS, rate limit, routing, authentication,
// validation, handlers, a real SQLite database) -> the response, whose invariants are checked.
//
// The first input byte picks who is asking: bit 0 adds a valid admin token, bit 1 a viewer
// token, so the fuzzer reaches the handlers behind authentication as well. Routes that hash
// passwords (login, user creation) are routed and authenticated but not run: each run would
// cost ~100 ms of Argon2id and starve the search.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "app/platform_services.hpp"
#include "auth/jwt.hpp"
#include "auth/password_process.hpp"
#include "http/api_app.hpp"
#include "storage/sqlite/sqlite_storage.hpp"

namespace {

using namespace blazeiot;
namespace http = boost::beast::http;

class NullLog final : public SystemLog {
 public:
  void write(LogEntry) override {}
};

class NoIngest final : public IngestStatusSource {
 public:
  IngestSnapshot ingest_snapshot() const override { return {}; }
};

class NoPublisher final : public MqttPublisher {
 public:
  void publish(std::string, std::string, int, std::function<void(bool)> done) override {
    if (done) done(false);
  }
};

constexpr const char* kSecret = "fuzzing-secret-fuzzing-secret-fuzzing-secret";

struct World {
  World() {
    spdlog::set_level(spdlog::level::off);  // the access log would dominate the run time
    dir = std::filesystem::temp_directory_path() /
          ("blazeiot-fuzz-http-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    config.data_dir = dir.string();
    config.sqlite_path = (dir / "fuzz.db").string();
    config.rate_limit_max = 100'000'000;
    config.max_json_body = 64 * 1024;
    config.cors_origins = {"https://dash.example.com"};
    storage = std::make_unique<SqliteStorage>(config.sqlite_path);
    storage->migrate();
    services = std::make_unique<PlatformServices>(PlatformServices{
        .config = config, .clock = clock, .storage = *storage, .log = log, .events = events,
        .ingest = ingest, .mqtt = publisher, .started_at = clock.now_ms(),
        .passwords = passwords, .leadership = leadership});
    admin_token = add_user("admin", "admin");
    viewer_token = add_user("viewer", "viewer");
    app = std::make_unique<ApiApp>(*services, kSecret);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(world().dir, ec);
    });
  }

  std::string add_user(const std::string& name, const std::string& role) {
    User u;
    u.username = name;
    u.email = name + "@example.com";
    u.role = role;
    u.password_hash = "$argon2id$unusable";
    std::int64_t id = 0;
    storage->users().create(u, id);
    if (auto existing = storage->users().find_by_username(name)) id = existing->id;
    return JwtCodec(kSecret, 3600).issue(id, name, role, clock.now_ms());
  }

  static World& world();

  std::filesystem::path dir;
  Config config;
  FakeClock clock;
  std::unique_ptr<SqliteStorage> storage;
  NullLog log;
  EventBus events;
  NoIngest ingest;
  NoPublisher publisher;
  SoleInstance leadership;
  PasswordHashing passwords;
  std::unique_ptr<PlatformServices> services;
  std::unique_ptr<ApiApp> app;
  std::string admin_token;
  std::string viewer_token;
};

World& World::world() {
  static World w;
  return w;
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  World& w = World::world();
  const std::uint8_t who = data[0];
  boost::asio::const_buffer input(data + 1, size - 1);

  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.header_limit(8 * 1024);
  parser.body_limit(w.config.max_json_body);
  boost::system::error_code ec;
  while (input.size() > 0 && !parser.is_done()) {
    const std::size_t used = parser.put(input, ec);
    if (ec == http::error::need_more) {
      ec = {};
      break;
    }
    if (ec) return 0;
    input += used;
    if (used == 0) break;
  }
  if (!parser.is_done()) {
    if (!parser.is_header_done()) return 0;  // put_eof requires a complete header
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return 0;
  }

  HttpRequest request = parser.release();
  if (who & 1) request.set(http::field::authorization, "Bearer " + w.admin_token);
  if (who & 2) request.set(http::field::authorization, "Bearer " + w.viewer_token);

  ClientInfo client{who & 4 ? "2001:db8::1" : "192.0.2.1", (who & 8) != 0};
  ApiCall call = w.app->begin(request, client);
  if (call.blocking()) return 0;
  call.request.body = std::move(request.body());
  HttpResponse response = w.app->finish(call);

  const unsigned status = response.result_int();
  check(status >= 200 && status < 600);
  check(status != 500);  // handlers turn every expected failure into a 4xx
  check(response["X-Content-Type-Options"] == "nosniff");
  if (!response.body().empty()) {
    boost::system::error_code jec;
    boost::json::value body = boost::json::parse(response.body(), jec);
    check(!jec && body.is_object());
    if (status >= 400) check(body.as_object().at("success") == false);
  }
  return 0;
}
