#pragma once
// Joins this instance to the others that share its PostgreSQL database: its committed
// batches are announced (batch_announcer.hpp), and what the others announce feeds this
// instance's presence view and its live stream (`remote_events`, which the WebSocket hub
// follows beside the local bus; the local bus never carries another instance's events, so
// nothing is delivered twice and no local subscriber acts on another instance's work).
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
              EventBus& remote_events);
  ~ClusterLink();

  // Before the ingest starts, so that every batch it commits is announced.
  void start();
  void stop();

 private:
  TelemetryStore& store_;
  IngestService& ingest_;
  EventBus& remote_events_;
  PgEventListener listener_;
};

}  // namespace blazeiot
