#pragma once
// Publishing from the platform to devices (OTA updates, commands).
#include <functional>
#include <string>

namespace blazeiot {

class MqttPublisher {
 public:
  virtual ~MqttPublisher() = default;
  // Thread-safe. done(true) once the broker acknowledged (QoS 1) or the packet was written
  // (QoS 0); done(false) when the client is stopping. While disconnected, publishes wait and
  // go out after the reconnect.
  virtual void publish(std::string topic, std::string payload, int qos,
                       std::function<void(bool ok)> done = {}) = 0;
};

}  // namespace blazeiot
