#include "cluster/cluster_link.hpp"

#include "cluster/batch_announcer.hpp"

namespace blazeiot {

ClusterLink::ClusterLink(const std::string& conninfo, TelemetryStore& store, IngestService& ingest,
                         EventBus& local_events, EventBus& remote_events)
    : store_(store),
      ingest_(ingest),
      local_events_(local_events),
      remote_events_(remote_events),
      listener_(conninfo, PgEventListenerHandlers{
                              [this] { ingest_.on_remote_resync(store_.load_entities()); },
                              [this] { ingest_.on_remote_lost(); },
                              [this](ClusterAnnouncement&& a) {
                                remote_events_.publish(a.events);
                                ingest_.on_remote_commit(std::move(a.presence),
                                                         std::move(a.sightings));
                              }}) {}

ClusterLink::~ClusterLink() { stop(); }

void ClusterLink::start() {
  enable_batch_announcements();
  local_subscription_ =
      local_events_.subscribe([this](const PlatformEvent& e) { on_local_event(e); });
  listener_.start();
}

void ClusterLink::stop() {
  local_subscription_.reset();
  listener_.stop();
}

void ClusterLink::on_local_event(const PlatformEvent& event) {
  // On the publisher's thread: encode (small) and hand over, never wait for the database.
  if (const auto* ota = std::get_if<OtaStatusChanged>(&event)) {
    IngestBatch b;
    b.ota_responses.push_back(ota->response);
    listener_.send(event_announcements(b));
  }
}

}  // namespace blazeiot
