#include "ota/ota_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <cmath>

#include "core/iso_time.hpp"

namespace blazeiot {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {
constexpr auto kTick = std::chrono::milliseconds(1000);
// A campaign that fell behind (the leader was down) catches up gradually, not all at once.
constexpr std::int64_t kMaxStartsPerTick = 50;
}  // namespace

OtaService::OtaService(asio::any_io_executor executor, OtaStore& store,
                       FirmwareRegistry& registry, MqttPublisher& mqtt, EventBus& events,
                       SystemLog& log, const Clock& clock, const Leadership& leadership,
                       const DownloadSigner& links, OtaOptions options)
    : executor_(std::move(executor)),
      store_(store),
      registry_(registry),
      mqtt_(mqtt),
      events_(events),
      log_(log),
      clock_(clock),
      leadership_(leadership),
      links_(links),
      options_(std::move(options)),
      alive_(std::make_shared<bool>(true)),
      duties_(executor_, kTick, "ota", [this] { tick(); }) {}

OtaService::~OtaService() {
  duties_.stop();
  *alive_ = false;
}

void OtaService::start() { duties_.start(); }

void OtaService::stop() {
  duties_.stop();
  *alive_ = false;
}

std::string OtaService::base_url(const std::string& fallback) const {
  std::string base = options_.public_url.empty() ? fallback : options_.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

void OtaService::emit(const OtaUpdate& u) {
  OtaResponse r;
  r.device_id = u.device_id;
  r.status = u.status;
  r.firmware_version = u.firmware_version;
  r.error = u.error;
  r.progress = u.progress;
  r.received_at = u.updated_at;
  events_.publish(PlatformEvent(OtaStatusChanged{std::move(r)}));
}

OtaUpdate OtaService::trigger(const std::string& device_id, const Firmware& firmware,
                              const std::string& base_url, const std::string& firmware_url,
                              std::optional<std::int64_t> campaign_id, const std::string& by) {
  const EpochMs now = clock_.now_ms();
  OtaUpdate u;
  u.device_id = device_id;
  u.firmware_id = firmware.id;
  u.firmware_version = firmware.version;
  u.campaign_id = campaign_id;
  u.status = "pending";
  u.created_at = u.updated_at = now;
  OtaUpdate stored = store_.start(u);

  std::string url = firmware_url;
  if (url.empty()) {
    const std::string path = "/firmware/" + firmware.filename;
    url = base_url + path + "?" + links_.query(path, now + options_.link_ttl_ms);
  }
  json::object payload{{"device_id", device_id},
                       {"update_id", stored.id},
                       {"firmware_version", firmware.version},
                       {"firmware_url", url},
                       {"sha256", firmware.sha256},
                       {"size", firmware.size},
                       {"manifest", json::parse(firmware.manifest)},
                       {"signature", firmware.signature},
                       {"timestamp", format_iso8601(now)}};
  // `pending` goes out before the publish: the broker's acknowledgement may mark the update
  // `sent` on another thread at once, and the stream must not show `sent` first.
  emit(stored);
  mqtt_.publish("OTA/" + device_id + "/update", json::serialize(payload), 1,
                [this, alive = alive_, id = stored.id](bool ok) {
                  if (!*alive) return;
                  asio::post(executor_, [this, alive, id, ok] {
                    if (*alive) on_published(id, ok);
                  });
                });
  json::object details{{"device_id", device_id},
                       {"firmware_id", firmware.id},
                       {"firmware_version", firmware.version},
                       {"update_id", stored.id}};
  if (campaign_id) details["campaign_id"] = *campaign_id;
  log_.info("ota", by, "OTA update of " + device_id + " to " + firmware.version + " triggered",
            json::serialize(details));
  return stored;
}

void OtaService::on_published(std::int64_t update_id, bool ok) {
  // Not acknowledged (the client is stopping): the update stays pending and times out.
  if (!ok) return;
  try {
    if (auto changed = store_.mark_sent(update_id, clock_.now_ms())) emit(*changed);
  } catch (const std::exception& e) {
    spdlog::warn("[ota] cannot mark update {} sent: {}", update_id, e.what());
  }
}

Campaign OtaService::start_campaign(Campaign campaign) {
  const EpochMs now = clock_.now_ms();
  campaign.status = "running";
  campaign.created_at = campaign.updated_at = now;
  Campaign stored = store_.create_campaign(campaign);
  json::object details{{"campaign_id", stored.id},
                       {"firmware_id", stored.firmware_id},
                       {"firmware_version", stored.firmware_version},
                       {"targets", stored.device_ids.size()},
                       {"per_minute", stored.per_minute},
                       {"max_failure_ratio", stored.max_failure_ratio}};
  log_.info("ota", stored.created_by,
            "OTA campaign " + std::to_string(stored.id) + " started for " +
                std::to_string(stored.device_ids.size()) + " devices",
            json::serialize(details));
  // Its first device goes out now rather than at the next tick; on the executor, so pacing
  // never runs twice at once.
  duties_.run_soon();
  return stored;
}

std::optional<Campaign> OtaService::stop_campaign(std::int64_t id, const std::string& by) {
  auto stopped = store_.finish_campaign(id, "stopped", "stopped by " + by, clock_.now_ms());
  if (stopped) {
    log_.info("ota", by, "OTA campaign " + std::to_string(id) + " stopped by hand",
              json::serialize(json::object{{"campaign_id", id}}));
  }
  return stopped;
}

void OtaService::tick() {
  if (!leadership_.is_leader()) return;
  const EpochMs now = clock_.now_ms();
  for (const OtaUpdate& u : store_.time_out(now - options_.update_timeout_ms, now)) {
    log_.warn("ota", u.device_id,
              "OTA update of " + u.device_id + " to " + u.firmware_version +
                  " timed out without a final answer",
              json::serialize(json::object{{"update_id", u.id}, {"device_id", u.device_id}}));
    emit(u);
  }
  for (const Campaign& c : store_.running_campaigns()) pace(c, now);
}

void OtaService::pace(const Campaign& c, EpochMs now) {
  const CampaignProgress p = store_.campaign_progress(c.id);
  const double ratio =
      static_cast<double>(p.failed) / static_cast<double>(std::max<std::int64_t>(p.started, 1));
  if (p.failed > 0 && ratio > c.max_failure_ratio) {
    char reason[128];
    std::snprintf(reason, sizeof reason, "failure ratio %.2f (%lld of %lld) above %.2f", ratio,
                  static_cast<long long>(p.failed), static_cast<long long>(p.started),
                  c.max_failure_ratio);
    if (store_.finish_campaign(c.id, "halted", reason, now)) {
      log_.warn("ota", "campaign", "OTA campaign " + std::to_string(c.id) + " halted: " + reason,
                json::serialize(json::object{{"campaign_id", c.id}}));
    }
    return;
  }
  if (p.started >= p.targets) {
    if (p.in_flight == 0 && store_.finish_campaign(c.id, "completed", "", now)) {
      log_.info("ota", "campaign",
                "OTA campaign " + std::to_string(c.id) + " completed: " +
                    std::to_string(p.succeeded) + " of " + std::to_string(p.targets) +
                    " succeeded",
                json::serialize(json::object{{"campaign_id", c.id}}));
    }
    return;
  }
  // One device at the start, then per_minute spread evenly over each minute.
  const double minutes = static_cast<double>(now - c.created_at) / 60000.0;
  const auto allowed = std::min<std::int64_t>(
      p.targets, 1 + static_cast<std::int64_t>(std::floor(c.per_minute * minutes)));
  const std::int64_t want = std::min(allowed - p.started, kMaxStartsPerTick);
  if (want <= 0) return;
  auto firmware = registry_.find(c.firmware_id);
  if (!firmware) {
    store_.finish_campaign(c.id, "halted", "firmware no longer exists", now);
    return;
  }
  for (const std::string& device_id :
       store_.campaign_next_targets(c.id, static_cast<int>(want))) {
    trigger(device_id, *firmware, c.base_url, "", c.id, c.created_by);
  }
}

}  // namespace blazeiot
