#pragma once
#include "storage/postgres/pg_pool.hpp"
#include "storage/stats_store.hpp"

namespace blazeiot {

class PostgresStatsStore final : public StatsStore {
 public:
  explicit PostgresStatsStore(PgPool& pool) : pool_(pool) {}
  InventoryCounts inventory_counts() override;

 private:
  PgPool& pool_;
};

}  // namespace blazeiot
