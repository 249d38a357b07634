#include "app/platform.hpp"

#include <signal.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <spdlog/spdlog.h>
#include <thread>

#include "app/banner.hpp"
#include "app/logging.hpp"
#include "app/retention.hpp"
#include "auth/admin_bootstrap.hpp"
#include "cluster/batch_announcer.hpp"
#include "cluster/cluster_link.hpp"
#include "cluster/leadership.hpp"
#include "cluster/pg_leadership.hpp"
#include "core/free_space.hpp"
#include "core/open_file_limit.hpp"
#include "core/thread_name.hpp"
#include "domain/event_bus.hpp"
#include "http/dashboard_routes.hpp"
#include "http/http_server.hpp"
#include "http/ota_api.hpp"
#include "ingest/embedded_broker.hpp"
#include "ingest/ingest_service.hpp"
#include "ingest/mqtt_client.hpp"
#include "ota/command_service.hpp"
#include "ota/download_url.hpp"
#include "ota/firmware_registry.hpp"
#include "ota/firmware_signer.hpp"
#include "ota/ota_service.hpp"
#include "storage/postgres/postgres_storage.hpp"
#include "storage/sqlite/sqlite_backup.hpp"
#include "storage/sqlite/sqlite_storage.hpp"
#include "ws/ws_server.hpp"

namespace blazeiot {

namespace asio = boost::asio;
using namespace std::chrono_literals;

std::unique_ptr<Storage> open_storage(const Config& config) {
  if (config.db_type == "postgres") return make_postgres_storage(config.database_url);
  return std::make_unique<SqliteStorage>(config.sqlite_path);
}

std::string mqtt_client_id(const Config& config) {
  if (!config.mqtt.client_id.empty()) return config.mqtt.client_id;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  // FNV-1a of the absolute data directory: stable across restarts, distinct per install.
  std::string dir = std::filesystem::absolute(config.data_dir).lexically_normal().string();
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : dir) h = (h ^ c) * 1099511628211ULL;
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(h));
  std::string id = std::string("blazeiot-") + host + "-" + std::string(suffix, 8);
  if (id.size() > 64) id = "blazeiot-" + std::string(suffix);
  return id;
}

int init_db(const Config& config) {
  auto storage = open_storage(config);
  int version = storage->migrate();
  std::printf("Database ready: %s (%s), schema version %d\n",
              config.db_type == "sqlite" ? config.sqlite_path.c_str() : "postgres",
              storage->kind().c_str(), version);
  return 0;
}

int backup_db(const Config& config, const std::string& destination) {
  if (config.db_type != "sqlite") {
    std::fprintf(stderr, "backup copies the SQLite database; for PostgreSQL use pg_dump\n");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  SqliteBackupResult r = sqlite_backup(config.sqlite_path, destination);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("Backed up %s to %s: %lld pages, %s, checked, in %.1f s\n",
              config.sqlite_path.c_str(), destination.c_str(), static_cast<long long>(r.pages),
              mib_text(static_cast<std::uint64_t>(r.bytes)).c_str(), seconds);
  return 0;
}

namespace {

MqttClientOptions client_options(const Config& config) {
  MqttClientOptions o;
  const MqttConfig& m = config.mqtt;
  o.host = m.embedded ? "127.0.0.1" : m.host;
  o.port = static_cast<std::uint16_t>(m.embedded ? m.embedded_port : m.port);
  o.tls = !m.embedded && m.tls;
  o.ca_file = m.ca_file;
  o.username = m.username;
  o.password = m.password;
  o.client_id = mqtt_client_id(config);
  o.clean_session = false;
  o.keepalive_s = static_cast<std::uint16_t>(m.keepalive_s);
  o.max_payload = m.max_payload;
  for (const std::string& f : ingest_topic_filters())
    o.subscriptions.push_back(m.shared_group.empty() ? f : "$share/" + m.shared_group + "/" + f);
  return o;
}

}  // namespace

int serve(const Config& config) {
  check_production_safety(config);
  setup_logging(config);
  ::signal(SIGPIPE, SIG_IGN);
  spdlog::debug("[system] open file limit {}", raise_open_file_limit());
  SystemClock clock;
  const EpochMs started_at = clock.now_ms();
  Banner banner;
  banner.rule();
  banner.title("BlazeIoT Platform " BLAZEIOT_VERSION " - Starting...");
  banner.rule();

  banner.step("📊 Initializing database...");
  auto storage = open_storage(config);
  int schema = storage->migrate();
  banner.ok("Database connected (" + storage->kind() + ", schema v" + std::to_string(schema) + ")");

  asio::io_context io;
  auto work = asio::make_work_guard(io);
  auto ingest_strand = asio::make_strand(io);
  EventBus events;
  // Several instances on one PostgreSQL database (docs/deployment.md): the holder of an
  // advisory lock leads the periodic duties, and every instance announces its committed
  // batches to the others (presence view, live stream).
  const bool clustered = storage->kind() == "postgres" && !config.mqtt.shared_group.empty();
  EventBus cluster_events;  // what the other instances committed
  std::unique_ptr<Leadership> leadership;
  PgLeadership* pg_leadership = nullptr;
  if (storage->kind() == "postgres") {
    auto pg = std::make_unique<PgLeadership>(config.database_url, [](bool leader) {
      spdlog::info(leader ? "[cluster] this instance now leads the periodic duties"
                          : "[cluster] this instance no longer leads the periodic duties");
    });
    pg->start();
    pg_leadership = pg.get();
    leadership = std::move(pg);
  } else {
    leadership = std::make_unique<SoleInstance>();
  }
  if (clustered) enable_batch_announcements();
  IngestOptions ingest_options;
  ingest_options.limits.max_payload = config.mqtt.max_payload;
  ingest_options.offline_timeout_ms = config.device_offline_timeout_s * 1000LL;
  ingest_options.leadership = leadership.get();
  ingest_options.shared_presence = clustered;
  if (storage->kind() == "sqlite") {
    // PostgreSQL keeps its data on its own server, which watches its own disk.
    std::string db_dir = std::filesystem::path(config.sqlite_path).parent_path().string();
    if (db_dir.empty()) db_dir = ".";
    ingest_options.min_free_disk = config.min_free_disk_mb * 1024 * 1024;
    ingest_options.free_disk = [db_dir] { return free_space(db_dir); };
  }
  IngestService ingest(ingest_strand, storage->telemetry(), events, clock, ingest_options);
  FileAndTableLog log(clock, [&ingest](LogEntry e) { ingest.add_log(std::move(e)); });
  ingest.start();

  banner.step("👤 Checking admin user...");
  // Hashing in a child of this very binary keeps Argon2id's 64 MiB out of our address space
  // (auth/password_process.hpp); /proc/self/exe still names it after an upgrade replaced it.
  const PasswordHashing passwords("/proc/self/exe");
  DefaultAdminCreation first_account(*storage, passwords, config, log);
  banner.ok(first_account.creating()
                ? "Admin user \"" + config.admin_username + "\" being created (login waits for it)"
                : "Admin user already exists");

  std::unique_ptr<EmbeddedBroker> broker;
  std::string broker_url = config.mqtt.url();
  if (config.mqtt.embedded) {
    banner.step("📡 Starting the embedded MQTT broker...");
    broker = std::make_unique<EmbeddedBroker>(
        io.get_executor(), config.data_dir, config.mqtt.embedded_port,
        [&log](const std::string& level, const std::string& message) {
          LogEntry e;
          e.category = "mqtt";
          e.level = level;
          e.source = "embedded-broker";
          e.message = message;
          log.write(std::move(e));
        });
    broker->start();
    broker_url = "mqtt://127.0.0.1:" + std::to_string(config.mqtt.embedded_port);
    banner.ok("Embedded MQTT broker listening on " + broker_url);
    // The first thing a plant engineer tries is a board on the network: say it cannot reach
    // this broker before they wonder why nothing arrives.
    banner.info("   (loopback only: devices on other machines need a broker they can reach;"
                " set MQTT_URL)");
  }

  std::promise<std::pair<bool, std::string>> first_state;
  bool first_reported = false;
  auto client = std::make_shared<MqttClient>(
      ingest_strand, client_options(config),
      [&ingest](MqttMessage&& m) { ingest.on_message(std::move(m)); },
      [&](bool connected, const std::string& detail) {
        ingest.on_connection(connected, detail);
        if (!first_reported) {
          first_reported = true;
          first_state.set_value({connected, detail});
        }
      });
  ingest.attach(client, broker_url, config.mqtt.embedded);

  // Bound before anything runs, so a port in use stops the start-up with a clear message.
  banner.step("🌐 Starting HTTP and WebSocket server...");
  PlatformServices services{.config = config,
                            .clock = clock,
                            .storage = *storage,
                            .log = log,
                            .events = events,
                            .ingest = ingest,
                            .mqtt = *client,
                            .started_at = started_at,
                            .passwords = passwords,
                            .leadership = *leadership,
                            .cluster_events = clustered ? &cluster_events : nullptr,
                            .first_account = &first_account};
  // Tokens (REST and WebSocket) and firmware download links share one secret, resolved once
  // (in development it is read from, or created in, DATA_DIR).
  const std::string jwt_secret = resolve_jwt_secret(config);
  HttpServer http(io, services, jwt_secret);
  WsLimits ws_limits;
  ws_limits.max_connections = config.ws_max_connections;
  ws_limits.hard_buffer = config.ws_send_buffer;
  ws_limits.soft_buffer = config.ws_send_buffer / 4;
  WsServer ws(services, jwt_secret, ws_limits);
  ws.install(http);
  // After the hub that follows cluster_events exists, and destroyed before it.
  std::unique_ptr<ClusterLink> cluster;
  if (clustered) {
    cluster = std::make_unique<ClusterLink>(config.database_url, storage->telemetry(), ingest,
                                            events, cluster_events);
    cluster->start();
  }

  // Firmware: the signing key, the registry in UPLOAD_DIR, updates, campaigns and commands.
  const FirmwareSigner signer = FirmwareSigner::load_or_create(config.data_dir);
  FirmwareRegistry registry(config.upload_dir, storage->firmware(), storage->ota(), signer, log,
                            clock);
  registry.prepare();
  const DownloadSigner download_links(jwt_secret);
  const Leadership& duty_leader = services.leadership;
  OtaOptions ota_options;
  ota_options.update_timeout_ms = config.ota_timeout_s * 1000LL;
  ota_options.link_ttl_ms = config.ota_link_ttl_s * 1000LL;
  ota_options.public_url = config.public_url;
  auto duties_strand = asio::make_strand(io);
  OtaService ota(duties_strand, storage->ota(), registry, *client, events, log, clock,
                 duty_leader, download_links, ota_options);
  CommandService commands(duties_strand, storage->commands(), *client, log, clock, duty_leader,
                          config.command_timeout_s * 1000LL);
  OtaApi ota_api{services, registry, ota, commands, download_links};
  add_ota_routes(http.app().router(), ota_api);
  add_command_routes(http.app().router(), ota_api);
  if (!config.web_dir.empty()) add_dashboard_routes(http.app().router(), config.web_dir);
  http.start();
  ota.start();
  commands.start();
  Retention retention(*storage, clock,
                      RetentionPolicy{config.data_retention_days, config.log_retention_days},
                      duty_leader, log);
  retention.start();
  std::string scheme = config.tls_cert.empty() ? "http" : "https";
  std::string address = config.host + ":" + std::to_string(http.local_endpoint().port());
  banner.ok("HTTP server listening on " + scheme + "://" + address);

  // Graceful stop: finish HTTP requests in flight (bounded by the server), commit and
  // acknowledge what was received, disconnect, stop the broker; all within 5 s.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer deadline(io);
  bool stopping = false;
  std::thread stopper;
  auto finish = [&] {
    if (broker) broker->stop();
    work.reset();
    io.stop();
  };
  std::function<void(boost::system::error_code, int)> on_signal =
      [&](boost::system::error_code ec, int signo) {
        if (ec) return;
        if (stopping) {
          spdlog::warn("[system] second signal: exiting now");
          finish();
          return;
        }
        stopping = true;
        spdlog::info("[system] signal {} received, shutting down", signo);
        deadline.expires_after(4500ms);
        deadline.async_wait([&](boost::system::error_code tec) {
          if (tec) return;
          spdlog::error("[system] shutdown did not finish in time; exiting");
          finish();
        });
        // HttpServer::stop() blocks until its connections are gone, which needs the io
        // threads running: call it from a thread of its own.
        stopper = std::thread([&] {
          name_this_thread("shutdown");
          retention.stop();  // its last log line still goes into the drained batch
          ota.stop();
          commands.stop();
          ws.stop();
          http.stop();
          ingest.drain([&] {
            asio::post(io, [&] {
              deadline.cancel();
              finish();
            });
          });
        });
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);

  banner.step("📡 Connecting to MQTT broker " + broker_url + "...");
  client->start();
  // Network threads: this one and one more (the machine class has two cores; the database
  // writer has its own thread). Joined however this function is left.
  std::thread io_thread([&io] {
    name_this_thread("network");
    io.run();
  });
  struct JoinOnExit {
    asio::io_context& io;
    std::thread& t;
    ~JoinOnExit() {
      if (t.joinable()) {
        io.stop();
        t.join();
      }
    }
  } join_on_exit{io, io_thread};

  auto state_future = first_state.get_future();
  if (state_future.wait_for(5s) == std::future_status::ready) {
    auto [connected, detail] = state_future.get();
    if (connected) {
      banner.ok("MQTT broker connected, subscribed as " + client->options().client_id +
                (detail.empty() ? "" : " (" + detail + ")"));
    } else {
      banner.warn("MQTT broker not connected: " + detail + " (retrying in the background)");
    }
  } else {
    banner.warn("MQTT broker not connected yet (no answer within 5 s; retrying in the background)");
  }

  banner.rule();
  banner.info("🚀 Server running on " + scheme + "://" + address);
  banner.info("🔥 Environment: " + config.node_env);
  banner.info("📡 MQTT: " + broker_url + (config.mqtt.embedded ? " (embedded)" : ""));
  banner.info(std::string("🌐 WebSocket: ") + (scheme == "https" ? "wss" : "ws") + "://" + address + "/ws");
  if (config.web_dir.empty()) {
    banner.info("🖥  Dashboard: off (WEB_DIR is empty)");
  } else if (std::filesystem::exists(std::filesystem::path(config.web_dir) / "index.html")) {
    banner.info("🖥  Dashboard: " + scheme + "://" + address + "/");
  } else {
    banner.warn("Dashboard not built in " + config.web_dir + " (run scripts/build-web.sh)");
  }
  banner.info("🔏 Firmware signing key (Ed25519): " + signer.public_key_base64());
  banner.info("📊 Database: " + storage->kind() +
              (storage->kind() == "sqlite" ? " (" + config.sqlite_path + ")" : ""));
  auto kept = [](int days) { return days > 0 ? std::to_string(days) + " days" : "forever"; };
  banner.info("🗂  Retention: readings " + kept(config.data_retention_days) + ", log entries " +
              kept(config.log_retention_days));
  if (const IngestSnapshot at_start = ingest.ingest_snapshot(); at_start.paused_for_disk)
    banner.warn("Only " + mib_text(at_start.disk_free_bytes.value_or(0)) +
                " free where the database is (MIN_FREE_DISK_MB=" +
                std::to_string(config.min_free_disk_mb) + "): ingest waits for space");
  banner.rule();
  if (banner.problems() == 0) {
    banner.ok("Platform ready! All systems operational.");
  } else {
    banner.warn("Platform ready with " + std::to_string(banner.problems()) +
                " problem(s) listed above.");
  }
  banner.rule();
  banner.flush();
  spdlog::info("[system] started in {} ms", clock.now_ms() - started_at);
  log.info("system", "platform", "BlazeIoT " BLAZEIOT_VERSION " started");

  io.run();
  io_thread.join();
  if (stopper.joinable()) stopper.join();
  // Their threads log; nothing may log after spdlog::shutdown().
  retention.stop();
  if (cluster) cluster->stop();
  if (pg_leadership) pg_leadership->stop();
  first_account.wait();
  spdlog::info("[system] stopped");
  spdlog::shutdown();
  return 0;
}

}  // namespace blazeiot
