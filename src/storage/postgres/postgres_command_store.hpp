#pragma once
#include "storage/command_store.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace blazeiot {

class PostgresCommandStore final : public CommandStore {
 public:
  explicit PostgresCommandStore(PgPool& pool) : pool_(pool) {}

  Command create(const Command& command) override;
  std::optional<Command> find(std::string_view command_id) override;
  std::vector<Command> list(const CommandQuery& query) override;
  std::int64_t count(const CommandQuery& query) override;
  std::optional<Command> mark_sent(std::string_view command_id, EpochMs now) override;
  std::vector<Command> expire(EpochMs now) override;

 private:
  PgPool& pool_;
};

}  // namespace blazeiot
