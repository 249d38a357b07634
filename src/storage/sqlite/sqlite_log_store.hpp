#pragma once
#include "storage/log_store.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace blazeiot {

class SqliteLogStore final : public LogStore {
 public:
  explicit SqliteLogStore(SqliteDatabase& db) : db_(db) {}

  std::vector<LogEntry> find(const LogQuery& query) override;
  std::int64_t count(const LogQuery& query) override;
  std::int64_t delete_older_than(EpochMs before, int max_rows) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace blazeiot
