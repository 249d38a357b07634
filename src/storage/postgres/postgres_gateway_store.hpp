#pragma once
#include "storage/gateway_store.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace blazeiot {

class PostgresGatewayStore final : public GatewayStore {
 public:
  explicit PostgresGatewayStore(PgPool& pool) : pool_(pool) {}

  std::vector<Gateway> list(const GatewayFilter& filter) override;
  std::optional<Gateway> find(std::string_view gateway_id) override;
  bool create(const Gateway& gateway) override;
  std::optional<Gateway> update(std::string_view gateway_id, const GatewayChanges& changes,
                                EpochMs now) override;
  bool remove(std::string_view gateway_id) override;

 private:
  PgPool& pool_;
};

}  // namespace blazeiot
