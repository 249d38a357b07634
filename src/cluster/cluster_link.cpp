#include "cluster/cluster_link.hpp"

#include "cluster/batch_announcer.hpp"

namespace blazeiot {

ClusterLink::ClusterLink(const std::string& conninfo, TelemetryStore& store, IngestService& ingest,
                         EventBus& remote_events)
    : store_(store),
      ingest_(ingest),
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
  listener_.start();
}

void ClusterLink::stop() { listener_.stop(); }

}  // namespace blazeiot
