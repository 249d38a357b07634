#pragma once
// The one validated configuration the platform runs with. Built from, in rising order of
// precedence: built-in defaults, the .env file, the environment, command-line flags.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace blazeiot {

// A bad value; the message names the variable and what is wrong with it.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MqttConfig {
  bool embedded = false;      // no broker configured: run our own Mosquitto on loopback
  std::string host = "127.0.0.1";
  int port = 1883;
  bool tls = false;
  std::string username;
  std::string password;
  std::string ca_file;        // MQTT_CA_FILE; empty = system CA bundle
  std::string client_id;      // empty = derived from the host name and data directory
  std::string shared_group;   // subscribe via $share/<group>/...
  int keepalive_s = 30;
  std::size_t max_payload = 64 * 1024;
  int embedded_port = 1883;   // MQTT_EMBEDDED_PORT, loopback only

  std::string url() const {
    return std::string(tls ? "mqtts://" : "mqtt://") + host + ":" + std::to_string(port);
  }
};

struct Config {
  std::string node_env = "development";
  bool production() const { return node_env == "production"; }

  std::string host = "0.0.0.0";
  int port = 3000;
  std::string tls_cert;
  std::string tls_key;
  bool trust_proxy = false;
  std::vector<std::string> cors_origins;

  MqttConfig mqtt;

  std::string db_type = "sqlite";
  std::string sqlite_path = "./data/blazeiot.db";
  std::string database_url;  // from DATABASE_URL or assembled from POSTGRES_*

  std::string data_dir = "./data";
  std::string upload_dir = "./uploads/firmware";
  std::string log_dir = "./logs";
  std::string log_level = "info";
  std::size_t log_max_size = 5 * 1024 * 1024;
  int log_max_files = 5;

  std::string jwt_secret;  // empty: generated and kept in data_dir (development only)
  int jwt_expires_in_s = 24 * 3600;
  std::string admin_username = "admin";
  std::string admin_password = "admin123";
  std::string admin_email = "admin@blazeiot.com";

  int device_offline_timeout_s = 300;
  int rate_limit_window_s = 15 * 60;
  int rate_limit_max = 1000;
  std::size_t max_json_body = 10 * 1024 * 1024;
  std::size_t max_firmware_size = 50 * 1024 * 1024;

  std::string public_url;              // how devices reach us (links in OTA updates)
  std::string web_dir = "./web/dist";  // the built dashboard; "" = no dashboard
  int ota_timeout_s = 30 * 60;         // an update without a final answer times out
  int ota_link_ttl_s = 24 * 3600;      // validity of signed firmware download links
  int command_timeout_s = 5 * 60;      // a command without an answer expires

  // Ingest stops reading from the broker below this much free space where the SQLite
  // database is (0: no check).
  std::uint64_t min_free_disk_mb = 256;
  int data_retention_days = 0;  // readings older than this are deleted; 0: kept forever
  int log_retention_days = 0;   // the same for the logs table

  std::size_t ws_max_connections = 5000;
  std::size_t ws_send_buffer = 1024 * 1024;  // per client; past it a slow client is dropped
};

// Every recognised variable name with a one-line description, for --help and docs.
struct ConfigVariable {
  const char* name;
  const char* description;
};
const std::vector<ConfigVariable>& config_variables();

// Merges the sources (later wins) and validates. Throws ConfigError on the first bad value.
Config load_config(const std::map<std::string, std::string>& dotenv,
                   const std::map<std::string, std::string>& environment,
                   const std::map<std::string, std::string>& flags);

// The process environment, restricted to the variables config_variables() names.
std::map<std::string, std::string> config_environment();

}  // namespace blazeiot
