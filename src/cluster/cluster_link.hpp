#pragma once
// Joins this instance to the others that share its PostgreSQL database: its committed
// batches are announced (batch_announcer.hpp), and what the others announce feeds this
// instance's presence view and its live stream (`remote_events`, which the WebSocket hub
// follows beside the local bus; the local bus never carries another instance's events, so
// nothing is delivered twice and no local subscriber acts on another instance's work).
//
// OTA status events are announced from the local bus instead of the ingest batch: the OTA
// service raises them too (an update triggered, timed out) outside any ingest transaction,
// after its own commit, and one path for all of them means each travels once.
#include <memory>
#include <string>

#include "cluster/pg_event_listener.hpp"
#include "domain/event_bus.hpp"
#include "ingest/ingest_service.hpp"
#include "storage/telemetry_store.hpp"

namespace blazeiot {

class ClusterLink {
 public:
  // ingest must be built with IngestOptions::shared_presence.
  ClusterLink(const std::string& conninfo, TelemetryStore& store, IngestService& ingest,
              EventBus& local_events, EventBus& remote_events);
  ~ClusterLink();

  // Before the ingest commits anything worth sharing.
  void start();
  void stop();

 private:
  void on_local_event(const PlatformEvent& event);

  TelemetryStore& store_;
  IngestService& ingest_;
  EventBus& local_events_;
  EventBus& remote_events_;
  PgEventListener listener_;
  std::shared_ptr<void> local_subscription_;
};

}  // namespace blazeiot
