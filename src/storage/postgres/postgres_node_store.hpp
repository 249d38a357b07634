#pragma once
#include "storage/node_store.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace blazeiot {

class PostgresNodeStore final : public NodeStore {
 public:
  explicit PostgresNodeStore(PgPool& pool) : pool_(pool) {}

  std::vector<NodeRecord> list(const NodeFilter& filter) override;
  std::optional<NodeRecord> update(std::string_view mac, std::string_view gateway_id,
                                   const NodeChanges& changes, EpochMs now) override;
  bool remove(std::string_view mac, std::string_view gateway_id) override;

 private:
  PgPool& pool_;
};

}  // namespace blazeiot
