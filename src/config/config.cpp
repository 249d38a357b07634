#include "config/config.hpp"

#include <boost/url/parse.hpp>
#include <charconv>
#include <cstdlib>

namespace blazeiot {
namespace {

using Values = std::map<std::string, std::string>;

class Reader {
 public:
  explicit Reader(Values v) : v_(std::move(v)) {}

  const std::string* get(const char* name) const {
    auto it = v_.find(name);
    return it == v_.end() ? nullptr : &it->second;
  }
  bool has(const char* name) const { return get(name) != nullptr && !get(name)->empty(); }

  void text(const char* name, std::string& out) const {
    if (auto* s = get(name)) out = *s;
  }

  template <class Int>
  void integer(const char* name, Int& out, long long min, long long max) const {
    const std::string* s = get(name);
    if (!s || s->empty()) return;
    long long v = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc() || p != s->data() + s->size() || v < min || v > max)
      throw ConfigError(std::string(name) + ": must be an integer from " + std::to_string(min) +
                        " to " + std::to_string(max) + ", got \"" + *s + "\"");
    out = static_cast<Int>(v);
  }

  void boolean(const char* name, bool& out) const {
    const std::string* s = get(name);
    if (!s || s->empty()) return;
    if (*s == "true" || *s == "1" || *s == "yes" || *s == "on") {
      out = true;
    } else if (*s == "false" || *s == "0" || *s == "no" || *s == "off") {
      out = false;
    } else {
      throw ConfigError(std::string(name) + ": must be true or false, got \"" + *s + "\"");
    }
  }

  void one_of(const char* name, std::string& out, std::initializer_list<const char*> allowed) const {
    const std::string* s = get(name);
    if (!s || s->empty()) return;
    std::string list;
    for (const char* a : allowed) {
      if (*s == a) {
        out = *s;
        return;
      }
      list += list.empty() ? a : std::string(", ") + a;
    }
    throw ConfigError(std::string(name) + ": must be one of " + list + ", got \"" + *s + "\"");
  }

 private:
  Values v_;
};

void load_mqtt(const Reader& r, MqttConfig& m) {
  m.embedded = !r.has("MQTT_URL") && !r.has("MQTT_HOST");
  if (r.has("MQTT_URL")) {
    const std::string& raw = *r.get("MQTT_URL");
    auto u = boost::urls::parse_uri(raw);
    if (!u || (u->scheme() != "mqtt" && u->scheme() != "mqtts" && u->scheme() != "tcp" &&
               u->scheme() != "ssl") ||
        u->host().empty())
      throw ConfigError("MQTT_URL: must look like mqtt://host:1883 or mqtts://host:8883, got \"" +
                        raw + "\"");
    m.tls = u->scheme() == "mqtts" || u->scheme() == "ssl";
    m.host = u->host();
    m.port = m.tls ? 8883 : 1883;
    if (u->has_port()) {
      int p = 0;
      auto ps = u->port();
      auto [ptr, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), p);
      if (ec != std::errc() || p < 1 || p > 65535)
        throw ConfigError("MQTT_URL: port must be 1..65535, got \"" + std::string(ps) + "\"");
      m.port = p;
    }
    if (u->has_userinfo()) {
      m.username = u->user();
      m.password = u->password();
    }
  } else if (r.has("MQTT_HOST")) {
    r.text("MQTT_HOST", m.host);
    m.port = 8883;  // the README's default: HiveMQ Cloud over TLS
    r.integer("MQTT_PORT", m.port, 1, 65535);
    m.tls = m.port == 8883;
    r.boolean("MQTT_TLS", m.tls);
  }
  if (r.has("MQTT_USERNAME")) r.text("MQTT_USERNAME", m.username);
  if (r.has("MQTT_PASSWORD")) r.text("MQTT_PASSWORD", m.password);
  r.text("MQTT_CA_FILE", m.ca_file);
  r.text("MQTT_CLIENT_ID", m.client_id);
  if (m.client_id.size() > 128)
    throw ConfigError("MQTT_CLIENT_ID: must be at most 128 characters");
  r.text("MQTT_SHARED_GROUP", m.shared_group);
  if (m.shared_group.find_first_of("/+#") != std::string::npos)
    throw ConfigError("MQTT_SHARED_GROUP: must not contain '/', '+' or '#'");
  r.integer("MQTT_KEEPALIVE", m.keepalive_s, 5, 3600);
  r.integer("MQTT_MAX_PAYLOAD", m.max_payload, 256, 256 * 1024 * 1024);
  r.integer("MQTT_EMBEDDED_PORT", m.embedded_port, 1, 65535);
}

std::string postgres_url(const Reader& r) {
  if (r.has("DATABASE_URL")) return *r.get("DATABASE_URL");
  std::string host = "localhost", port = "5432", user = "postgres", password, db = "blazeiot";
  r.text("POSTGRES_HOST", host);
  r.text("POSTGRES_PORT", port);
  r.text("POSTGRES_USER", user);
  r.text("POSTGRES_PASSWORD", password);
  r.text("POSTGRES_DB", db);
  // libpq's key=value form needs no escaping beyond quotes.
  auto quote = [](const std::string& v) {
    std::string out = "'";
    for (char c : v) {
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    return out + "'";
  };
  std::string s = "host=" + quote(host) + " port=" + quote(port) + " user=" + quote(user) +
                  " dbname=" + quote(db);
  if (!password.empty()) s += " password=" + quote(password);
  return s;
}

}  // namespace

const std::vector<ConfigVariable>& config_variables() {
  static const std::vector<ConfigVariable> vars = {
      {"NODE_ENV", "development or production"},
      {"HOST", "HTTP bind address"},
      {"PORT", "HTTP port"},
      {"TLS_CERT", "HTTPS certificate chain (PEM)"},
      {"TLS_KEY", "HTTPS private key (PEM)"},
      {"TRUST_PROXY", "believe X-Forwarded-For"},
      {"CORS_ORIGIN", "allowed dashboard origins, comma separated"},
      {"MQTT_URL", "broker address, mqtt:// or mqtts://host:port"},
      {"MQTT_HOST", "broker host name"},
      {"MQTT_PORT", "broker port"},
      {"MQTT_TLS", "TLS to the broker"},
      {"MQTT_USERNAME", "broker user name"},
      {"MQTT_PASSWORD", "broker password"},
      {"MQTT_CA_FILE", "CA bundle to verify the broker with"},
      {"MQTT_CLIENT_ID", "stable id of the platform's broker session"},
      {"MQTT_SHARED_GROUP", "shared subscription group"},
      {"MQTT_KEEPALIVE", "keep-alive seconds"},
      {"MQTT_MAX_PAYLOAD", "largest accepted message, bytes"},
      {"MQTT_EMBEDDED_PORT", "loopback port of the embedded broker"},
      {"DB_TYPE", "sqlite or postgres"},
      {"SQLITE_PATH", "SQLite database file"},
      {"DATABASE_URL", "PostgreSQL connection URI"},
      {"POSTGRES_HOST", "PostgreSQL host"},
      {"POSTGRES_PORT", "PostgreSQL port"},
      {"POSTGRES_USER", "PostgreSQL user"},
      {"POSTGRES_PASSWORD", "PostgreSQL password"},
      {"POSTGRES_DB", "PostgreSQL database"},
      {"DATA_DIR", "state directory (embedded broker, keys)"},
      {"UPLOAD_DIR", "firmware files"},
      {"LOG_DIR", "rotating log files"},
      {"LOG_LEVEL", "debug, info, warn or error"},
      {"LOG_MAX_SIZE", "bytes per log file before rotation"},
      {"LOG_MAX_FILES", "rotated log files kept"},
      {"JWT_SECRET", "token signing secret"},
      {"JWT_EXPIRES_IN", "token lifetime, seconds"},
      {"ADMIN_USERNAME", "default admin user name"},
      {"ADMIN_PASSWORD", "default admin password"},
      {"ADMIN_EMAIL", "default admin e-mail"},
      {"DEVICE_OFFLINE_TIMEOUT", "seconds without traffic before offline"},
      {"RATE_LIMIT_WINDOW", "rate limit window, seconds"},
      {"RATE_LIMIT_MAX", "requests per window and client"},
      {"MAX_JSON_BODY", "largest JSON request body, bytes"},
      {"MAX_FIRMWARE_SIZE", "largest firmware file, bytes"},
      {"PUBLIC_URL", "base URL devices use to reach the platform (firmware links)"},
      {"WEB_DIR", "built dashboard directory, empty for none"},
      {"OTA_TIMEOUT", "seconds before an update without a final answer times out"},
      {"OTA_LINK_TTL", "seconds a signed firmware download link stays valid"},
      {"COMMAND_TIMEOUT", "seconds before an unanswered command expires"},
      {"DATA_RETENTION_DAYS", "days readings are kept (0: forever)"},
      {"LOG_RETENTION_DAYS", "days system log entries are kept in the database (0: forever)"},
      {"MIN_FREE_DISK_MB", "free MiB below which ingest stops reading (SQLite; 0: no check)"},
      {"WS_MAX_CONNECTIONS", "WebSocket clients at once"},
      {"WS_SEND_BUFFER", "bytes queued per WebSocket client before it is dropped"},
  };
  return vars;
}

std::map<std::string, std::string> config_environment() {
  std::map<std::string, std::string> out;
  for (const auto& v : config_variables()) {
    if (const char* value = std::getenv(v.name)) out[v.name] = value;
  }
  return out;
}

Config load_config(const Values& dotenv, const Values& environment, const Values& flags) {
  Values merged = dotenv;
  for (const auto& [k, v] : environment) merged[k] = v;
  for (const auto& [k, v] : flags) merged[k] = v;
  Reader r(std::move(merged));

  Config c;
  r.one_of("NODE_ENV", c.node_env, {"development", "production", "test"});
  r.text("HOST", c.host);
  r.integer("PORT", c.port, 0, 65535);
  r.text("TLS_CERT", c.tls_cert);
  r.text("TLS_KEY", c.tls_key);
  if (c.tls_cert.empty() != c.tls_key.empty())
    throw ConfigError("TLS_CERT, TLS_KEY: give both or neither");
  r.boolean("TRUST_PROXY", c.trust_proxy);
  if (const std::string* origins = r.get("CORS_ORIGIN")) {
    std::size_t start = 0;
    while (start <= origins->size()) {
      std::size_t comma = origins->find(',', start);
      if (comma == std::string::npos) comma = origins->size();
      std::string o = origins->substr(start, comma - start);
      while (!o.empty() && o.front() == ' ') o.erase(0, 1);
      while (!o.empty() && o.back() == ' ') o.pop_back();
      if (!o.empty()) c.cors_origins.push_back(o);
      start = comma + 1;
    }
  }

  load_mqtt(r, c.mqtt);

  r.one_of("DB_TYPE", c.db_type, {"sqlite", "postgres", "postgresql"});
  if (c.db_type == "postgresql") c.db_type = "postgres";
  r.text("SQLITE_PATH", c.sqlite_path);
  if (c.db_type == "postgres") c.database_url = postgres_url(r);

  r.text("DATA_DIR", c.data_dir);
  r.text("UPLOAD_DIR", c.upload_dir);
  r.text("LOG_DIR", c.log_dir);
  r.one_of("LOG_LEVEL", c.log_level, {"trace", "debug", "info", "warn", "error"});
  r.integer("LOG_MAX_SIZE", c.log_max_size, 64 * 1024, 1LL << 32);
  r.integer("LOG_MAX_FILES", c.log_max_files, 1, 1000);

  r.text("JWT_SECRET", c.jwt_secret);
  r.integer("JWT_EXPIRES_IN", c.jwt_expires_in_s, 60, 365 * 24 * 3600);
  r.text("ADMIN_USERNAME", c.admin_username);
  r.text("ADMIN_PASSWORD", c.admin_password);
  r.text("ADMIN_EMAIL", c.admin_email);

  r.integer("DEVICE_OFFLINE_TIMEOUT", c.device_offline_timeout_s, 1, 30 * 24 * 3600);
  r.integer("RATE_LIMIT_WINDOW", c.rate_limit_window_s, 1, 24 * 3600);
  r.integer("RATE_LIMIT_MAX", c.rate_limit_max, 1, 100'000'000);
  r.integer("MAX_JSON_BODY", c.max_json_body, 1024, 1LL << 30);
  r.integer("MAX_FIRMWARE_SIZE", c.max_firmware_size, 1024, 1LL << 32);
  r.text("PUBLIC_URL", c.public_url);
  if (!c.public_url.empty() && !c.public_url.starts_with("http://") &&
      !c.public_url.starts_with("https://"))
    throw ConfigError("PUBLIC_URL: must start with http:// or https://");
  r.text("WEB_DIR", c.web_dir);
  r.integer("OTA_TIMEOUT", c.ota_timeout_s, 1, 30 * 24 * 3600);
  r.integer("OTA_LINK_TTL", c.ota_link_ttl_s, 60, 365 * 24 * 3600);
  r.integer("COMMAND_TIMEOUT", c.command_timeout_s, 1, 7 * 24 * 3600);
  r.integer("DATA_RETENTION_DAYS", c.data_retention_days, 0, 100 * 365);
  r.integer("LOG_RETENTION_DAYS", c.log_retention_days, 0, 100 * 365);
  r.integer("MIN_FREE_DISK_MB", c.min_free_disk_mb, 0, 1LL << 30);
  r.integer("WS_MAX_CONNECTIONS", c.ws_max_connections, 1, 1'000'000);
  r.integer("WS_SEND_BUFFER", c.ws_send_buffer, 16 * 1024, 1LL << 30);
  return c;
}

}  // namespace blazeiot
