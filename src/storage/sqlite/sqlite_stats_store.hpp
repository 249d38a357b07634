#pragma once
#include "storage/sqlite/sqlite_database.hpp"
#include "storage/stats_store.hpp"

namespace blazeiot {

class SqliteStatsStore final : public StatsStore {
 public:
  explicit SqliteStatsStore(SqliteDatabase& db) : db_(db) {}
  InventoryCounts inventory_counts() override;

 private:
  SqliteDatabase& db_;
};

}  // namespace blazeiot
