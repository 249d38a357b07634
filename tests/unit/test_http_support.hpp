#pragma once
// A real SQLite database in a temporary directory plus in-memory stand-ins for the services
// the HTTP layer is given, so ApiApp can be driven without sockets or a broker.
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/platform_services.hpp"
#include "auth/password_hasher.hpp"
#include "auth/password_process.hpp"
#include "http/api_app.hpp"
#include "storage/sqlite/sqlite_storage.hpp"
#include "../support/temp_dir.hpp"

namespace blazeiot::testing {

class RecordingLog final : public SystemLog {
 public:
  void write(LogEntry entry) override {
    std::lock_guard lock(mutex_);
    entries_.push_back(std::move(entry));
  }
  std::vector<LogEntry> entries() {
    std::lock_guard lock(mutex_);
    return entries_;
  }

 private:
  std::mutex mutex_;
  std::vector<LogEntry> entries_;
};

class FixedIngestStatus final : public IngestStatusSource {
 public:
  IngestSnapshot snapshot;
  IngestSnapshot ingest_snapshot() const override { return snapshot; }
};

class NullPublisher final : public MqttPublisher {
 public:
  void publish(std::string, std::string, int, std::function<void(bool)> done) override {
    if (done) done(false);
  }
};

// Everything an ApiApp needs, with a fresh database and two accounts: admin/admin-pass-1
// (admin) and viewer/viewer-pass-1 (viewer).
struct ApiFixture {
  explicit ApiFixture(Config c = make_config()) : config(std::move(c)) {
    config.data_dir = dir.path().string();
    config.sqlite_path = (dir.path() / "test.db").string();
    storage = std::make_unique<SqliteStorage>(config.sqlite_path);
    storage->migrate();
    services = std::make_unique<PlatformServices>(PlatformServices{
        .config = config, .clock = clock, .storage = *storage, .log = log, .events = events,
        .ingest = ingest, .mqtt = publisher, .started_at = clock.now_ms() - 5000,
        .passwords = passwords, .leadership = leadership});
    admin_id = add_user("admin", "admin-pass-1", "admin");
    viewer_id = add_user("viewer", "viewer-pass-1", "viewer");
    app = std::make_unique<ApiApp>(*services, std::string(48, 'k') + "secret-for-tests");
  }

  static Config make_config() {
    Config c;
    c.jwt_expires_in_s = 3600;
    c.cors_origins = {"https://dash.example.com"};
    return c;
  }

  std::int64_t add_user(const std::string& name, const std::string& password,
                        const std::string& role) {
    User u;
    u.username = name;
    u.email = name + "@example.com";
    u.role = role;
    u.password_hash = hash_password(password);
    u.created_at = u.updated_at = clock.now_ms();
    std::int64_t id = 0;
    storage->users().create(u, id);
    return id;
  }

  HttpResponse request(boost::beast::http::verb method, const std::string& target,
                       const std::string& token = "", const std::string& body = "",
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest req{method, target, 11};
    if (!token.empty()) req.set(boost::beast::http::field::authorization, "Bearer " + token);
    if (!body.empty()) {
      req.set(boost::beast::http::field::content_type, "application/json");
      req.body() = body;
      req.prepare_payload();
    }
    for (auto& [k, v] : headers) req.set(k, v);
    return app->handle(req, ClientInfo{client_address, false});
  }

  std::string login(const std::string& user, const std::string& password) {
    auto res = request(boost::beast::http::verb::post, "/api/auth/login", "",
                       R"({"username":")" + user + R"(","password":")" + password + R"("})");
    if (res.result_int() != 200) return {};
    return std::string(boost::json::parse(res.body()).at("token").as_string());
  }

  static boost::json::value json_of(const HttpResponse& res) {
    return boost::json::parse(res.body());
  }

  TempDir dir;
  Config config;
  FakeClock clock;
  std::unique_ptr<SqliteStorage> storage;
  RecordingLog log;
  EventBus events;
  FixedIngestStatus ingest;
  NullPublisher publisher;
  SoleInstance leadership;
  PasswordHashing passwords;  // in this process: tests/unit/test_auth_password.cpp covers the child
  std::unique_ptr<PlatformServices> services;
  std::unique_ptr<ApiApp> app;
  std::int64_t admin_id = 0;
  std::int64_t viewer_id = 0;
  std::string client_address = "10.0.0.1";
};

}  // namespace blazeiot::testing
