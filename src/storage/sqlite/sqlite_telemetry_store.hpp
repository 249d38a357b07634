#pragma once
#include <memory>

#include "storage/sqlite/sqlite_database.hpp"
#include "storage/telemetry_store.hpp"

namespace blazeiot {

struct IngestStatements;

class SqliteTelemetryStore final : public TelemetryStore {
 public:
  explicit SqliteTelemetryStore(SqliteDatabase& db);
  ~SqliteTelemetryStore() override;
  void apply(const IngestBatch& batch) override;
  std::vector<KnownEntity> load_entities() override;

 private:
  SqliteDatabase& db_;
  // Prepared on first use of the writer connection, only touched while holding it.
  std::unique_ptr<IngestStatements> statements_;
};

}  // namespace blazeiot
