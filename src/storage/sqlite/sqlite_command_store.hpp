#pragma once
#include "storage/command_store.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace blazeiot {

class SqliteCommandStore final : public CommandStore {
 public:
  explicit SqliteCommandStore(SqliteDatabase& db) : db_(db) {}

  Command create(const Command& command) override;
  std::optional<Command> find(std::string_view command_id) override;
  std::vector<Command> list(const CommandQuery& query) override;
  std::int64_t count(const CommandQuery& query) override;
  std::optional<Command> mark_sent(std::string_view command_id, EpochMs now) override;
  std::vector<Command> expire(EpochMs now) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace blazeiot
