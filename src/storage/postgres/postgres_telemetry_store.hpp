#pragma once
#include <set>

#include "storage/postgres/pg_pool.hpp"
#include "storage/telemetry_store.hpp"

namespace blazeiot {

class PostgresTelemetryStore final : public TelemetryStore {
 public:
  explicit PostgresTelemetryStore(PgPool& pool) : pool_(pool) {}
  void apply(const IngestBatch& batch) override;
  std::vector<KnownEntity> load_entities() override;

 private:
  void ensure_partitions(PgConnection& c, const std::vector<Reading>& readings);
  void apply_once(PgConnection& c, const IngestBatch& batch);

  PgPool& pool_;
  // Months (UTC, as year * 12 + month - 1) whose sensor_data partition is known to exist.
  // Only touched on the writer connection.
  std::set<int> known_months_;
};

}  // namespace blazeiot
