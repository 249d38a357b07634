#pragma once
#include "storage/gateway_store.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace blazeiot {

class SqliteGatewayStore final : public GatewayStore {
 public:
  explicit SqliteGatewayStore(SqliteDatabase& db) : db_(db) {}

  std::vector<Gateway> list(const GatewayFilter& filter) override;
  std::optional<Gateway> find(std::string_view gateway_id) override;
  bool create(const Gateway& gateway) override;
  std::optional<Gateway> update(std::string_view gateway_id, const GatewayChanges& changes,
                                EpochMs now) override;
  bool remove(std::string_view gateway_id) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace blazeiot
