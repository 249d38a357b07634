#pragma once
// The ingest side of storage: applying batches, and the presence snapshot read at start-up.
#include <vector>

#include "domain/ingest_batch.hpp"

namespace blazeiot {

struct KnownEntity {
  EntityKind kind = EntityKind::device;
  std::string id;
  std::string gateway_id;  // nodes only
  Presence status = Presence::offline;
  std::optional<EpochMs> last_seen;
};

class TelemetryStore {
 public:
  virtual ~TelemetryStore() = default;

  // Applies the whole batch in one transaction; when it returns the batch is durable.
  // Sightings create missing entities (harmlessly if another writer created them first).
  // Throws StorageError when the database cannot take the batch; nothing is applied then.
  virtual void apply(const IngestBatch& batch) = 0;

  // Every device, gateway and node with its stored presence.
  virtual std::vector<KnownEntity> load_entities() = 0;
};

}  // namespace blazeiot
