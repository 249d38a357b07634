#pragma once
#include "storage/reading_store.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace blazeiot {

class SqliteReadingStore final : public ReadingStore {
 public:
  explicit SqliteReadingStore(SqliteDatabase& db) : db_(db) {}

  std::vector<Reading> find(const ReadingQuery& query) override;
  std::int64_t count(const ReadingQuery& query) override;
  int drop_periods_before(EpochMs before) override;
  std::int64_t delete_older_than(EpochMs before, int max_rows) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace blazeiot
