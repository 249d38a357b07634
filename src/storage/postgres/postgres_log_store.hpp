#pragma once
#include "storage/log_store.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace blazeiot {

class PostgresLogStore final : public LogStore {
 public:
  explicit PostgresLogStore(PgPool& pool) : pool_(pool) {}
  std::vector<LogEntry> find(const LogQuery& query) override;
  std::int64_t count(const LogQuery& query) override;
  std::int64_t delete_older_than(EpochMs before, int max_rows) override;

 private:
  PgPool& pool_;
};

}  // namespace blazeiot
