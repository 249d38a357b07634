#include "ota/command_service.hpp"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "auth/sodium_init.hpp"
#include "core/iso_time.hpp"

namespace blazeiot {
namespace json = boost::json;

namespace {

// 128 random bits as a UUID-shaped string: unique across instances without coordination.
std::string new_command_id() {
  ensure_sodium();
  unsigned char b[16];
  randombytes_buf(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

}  // namespace

CommandService::CommandService(boost::asio::any_io_executor executor, CommandStore& store,
                               MqttPublisher& mqtt, SystemLog& log, const Clock& clock,
                               const Leadership& leadership, EpochMs default_timeout_ms)
    : executor_(std::move(executor)),
      store_(store),
      mqtt_(mqtt),
      log_(log),
      clock_(clock),
      leadership_(leadership),
      default_timeout_ms_(default_timeout_ms),
      alive_(std::make_shared<bool>(true)),
      expiry_(executor_, std::chrono::milliseconds(1000), "commands", [this] { tick(); }) {}

CommandService::~CommandService() {
  expiry_.stop();
  *alive_ = false;
}

void CommandService::start() { expiry_.start(); }

void CommandService::stop() {
  expiry_.stop();
  *alive_ = false;
}

Command CommandService::send(const std::string& device_id, const std::string& command,
                             const std::string& params_json, const std::string& by,
                             EpochMs timeout_ms) {
  const EpochMs now = clock_.now_ms();
  Command c;
  c.command_id = new_command_id();
  c.device_id = device_id;
  c.command = command;
  c.params_json = params_json.empty() ? "{}" : params_json;
  c.status = "pending";
  c.created_by = by;
  c.created_at = c.updated_at = now;
  c.expires_at = now + (timeout_ms > 0 ? timeout_ms : default_timeout_ms_);
  Command stored = store_.create(c);

  json::object payload{{"device_id", device_id},
                       {"command_id", stored.command_id},
                       {"command", command},
                       {"params", json::parse(stored.params_json)},
                       {"timestamp", format_iso8601(now)}};
  mqtt_.publish("CommandRequest/" + device_id, json::serialize(payload), 1,
                [this, alive = alive_, id = stored.command_id](bool ok) {
                  if (!ok || !*alive) return;
                  boost::asio::post(executor_, [this, alive, id] {
                    if (!*alive) return;
                    try {
                      store_.mark_sent(id, clock_.now_ms());
                    } catch (const std::exception& e) {
                      spdlog::warn("[commands] cannot mark {} sent: {}", id, e.what());
                    }
                  });
                });
  log_.info("command", by, "Command \"" + command + "\" sent to " + device_id,
            json::serialize(json::object{{"device_id", device_id},
                                         {"command_id", stored.command_id},
                                         {"command", command}}));
  return stored;
}

void CommandService::tick() {
  if (!leadership_.is_leader()) return;
  for (const Command& c : store_.expire(clock_.now_ms())) {
    log_.warn("command", c.device_id,
              "Command \"" + c.command + "\" to " + c.device_id + " expired without an answer",
              json::serialize(json::object{{"command_id", c.command_id}}));
  }
}

}  // namespace blazeiot
