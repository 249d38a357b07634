#pragma once
#include "storage/node_store.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace blazeiot {

class SqliteNodeStore final : public NodeStore {
 public:
  explicit SqliteNodeStore(SqliteDatabase& db) : db_(db) {}

  std::vector<NodeRecord> list(const NodeFilter& filter) override;
  std::optional<NodeRecord> update(std::string_view mac, std::string_view gateway_id,
                                   const NodeChanges& changes, EpochMs now) override;
  bool remove(std::string_view mac, std::string_view gateway_id) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace blazeiot
