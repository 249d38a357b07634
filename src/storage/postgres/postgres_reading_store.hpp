#pragma once
#include "storage/postgres/pg_pool.hpp"
#include "storage/reading_store.hpp"

namespace blazeiot {

class PostgresReadingStore final : public ReadingStore {
 public:
  explicit PostgresReadingStore(PgPool& pool) : pool_(pool) {}
  std::vector<Reading> find(const ReadingQuery& query) override;
  std::int64_t count(const ReadingQuery& query) override;
  int drop_periods_before(EpochMs before) override;
  std::int64_t delete_older_than(EpochMs before, int max_rows) override;

 private:
  PgPool& pool_;
};

}  // namespace blazeiot
