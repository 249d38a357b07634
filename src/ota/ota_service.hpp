#pragma once
// Triggering and following firmware updates: one device at a time or as a paced campaign.
// An update is recorded (pending), published on OTA/<device_id>/update with QoS 1, marked sent
// once the broker has it, and then moved by the device's reports (through ingest). The
// periodic duties (timing out updates that got no final answer, pacing and halting
// campaigns) run on the leading instance only.
#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/leadership.hpp"
#include "core/clock.hpp"
#include "core/periodic_task.hpp"
#include "domain/event_bus.hpp"
#include "domain/ota.hpp"
#include "domain/system_log.hpp"
#include "ingest/mqtt_publisher.hpp"
#include "ota/download_url.hpp"
#include "ota/firmware_registry.hpp"
#include "storage/ota_store.hpp"

namespace blazeiot {

struct OtaOptions {
  EpochMs update_timeout_ms = 30 * 60 * 1000;  // OTA_TIMEOUT
  EpochMs link_ttl_ms = 24 * 3600 * 1000;      // OTA_LINK_TTL: validity of download links
  std::string public_url;  // PUBLIC_URL: how devices reach us; empty = ask the caller
};

class OtaService {
 public:
  OtaService(boost::asio::any_io_executor executor, OtaStore& store, FirmwareRegistry& registry,
             MqttPublisher& mqtt, EventBus& events, SystemLog& log, const Clock& clock,
             const Leadership& leadership, const DownloadSigner& links, OtaOptions options);
  ~OtaService();

  void start();
  void stop();

  // The base URL devices get links under: PUBLIC_URL, else `fallback` (derived by the API
  // from the request that asked).
  std::string base_url(const std::string& fallback) const;

  // Records and publishes an update of `device_id` to `firmware`. `firmware_url` replaces the
  // platform's signed link when given (firmware hosted elsewhere).
  OtaUpdate trigger(const std::string& device_id, const Firmware& firmware,
                    const std::string& base_url, const std::string& firmware_url,
                    std::optional<std::int64_t> campaign_id, const std::string& by);

  // Starts a campaign (its first device at once, then per_minute).
  Campaign start_campaign(Campaign campaign);
  // Stops a running campaign by hand; updates already sent go on.
  std::optional<Campaign> stop_campaign(std::int64_t id, const std::string& by);

  // One round of the periodic duties (public for tests): timeouts and campaign pacing.
  void tick();

 private:
  void pace(const Campaign& campaign, EpochMs now);
  void on_published(std::int64_t update_id, bool ok);
  void emit(const OtaUpdate& update);

  boost::asio::any_io_executor executor_;
  OtaStore& store_;
  FirmwareRegistry& registry_;
  MqttPublisher& mqtt_;
  EventBus& events_;
  SystemLog& log_;
  const Clock& clock_;
  const Leadership& leadership_;
  const DownloadSigner& links_;
  OtaOptions options_;
  std::shared_ptr<bool> alive_;  // callbacks from the MQTT client outliving us check it
  PeriodicTask duties_;          // last: stopped before anything it uses goes away
};

}  // namespace blazeiot
