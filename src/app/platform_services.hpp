#pragma once
// What the platform's front ends (HTTP, WebSocket) are given by the composition root.
#include "cluster/leadership.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "domain/event_bus.hpp"
#include "domain/system_log.hpp"
#include "ingest/ingest_status.hpp"
#include "ingest/mqtt_publisher.hpp"
#include "storage/storage.hpp"

namespace blazeiot {

class DefaultAdminCreation;
class PasswordHashing;

struct PlatformServices {
  const Config& config;
  const Clock& clock;
  Storage& storage;
  SystemLog& log;
  EventBus& events;
  const IngestStatusSource& ingest;
  MqttPublisher& mqtt;
  EpochMs started_at;
  // Where passwords are hashed and verified (a child process in the platform).
  const PasswordHashing& passwords;
  // Whether this instance runs the platform-wide periodic duties (several instances).
  Leadership& leadership;
  // What the other instances committed (several instances on one database), else nullptr.
  EventBus* cluster_events = nullptr;
  // The default admin being created at first start (login waits for it), else nullptr.
  const DefaultAdminCreation* first_account = nullptr;
};

}  // namespace blazeiot
