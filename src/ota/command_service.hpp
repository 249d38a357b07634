#pragma once
// Device commands that are tracked rather than fired and forgotten: recorded, published on
// CommandRequest/<device_id> (QoS 1), marked sent once the broker has them, completed by the
// device's CommandResponse (through ingest) and expired when no answer comes in time. Expiry
// runs on the leading instance only.
#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <string>

#include "cluster/leadership.hpp"
#include "core/clock.hpp"
#include "core/periodic_task.hpp"
#include "domain/ota.hpp"
#include "domain/system_log.hpp"
#include "ingest/mqtt_publisher.hpp"
#include "storage/command_store.hpp"

namespace blazeiot {

class CommandService {
 public:
  CommandService(boost::asio::any_io_executor executor, CommandStore& store, MqttPublisher& mqtt,
                 SystemLog& log, const Clock& clock, const Leadership& leadership,
                 EpochMs default_timeout_ms);
  ~CommandService();

  void start();
  void stop();

  // Records and publishes a command; `timeout_ms` 0 means COMMAND_TIMEOUT.
  Command send(const std::string& device_id, const std::string& command,
               const std::string& params_json, const std::string& by, EpochMs timeout_ms = 0);

  void tick();  // expires unanswered commands (public for tests)

 private:
  boost::asio::any_io_executor executor_;
  CommandStore& store_;
  MqttPublisher& mqtt_;
  SystemLog& log_;
  const Clock& clock_;
  const Leadership& leadership_;
  EpochMs default_timeout_ms_;
  std::shared_ptr<bool> alive_;
  PeriodicTask expiry_;  // last: stopped before anything it uses goes away
};

}  // namespace blazeiot
