#pragma once
// Gateways as the API manages them; every query fills Gateway::node_count.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities.hpp"
#include "storage/row_page.hpp"

namespace blazeiot {

struct GatewayFilter {
  std::optional<Presence> status;
  std::optional<std::string> type;
  RowPage page;
};

struct GatewayChanges {
  std::optional<std::string> name;
  std::optional<std::string> type;
  std::optional<std::string> metadata_json;
};

class GatewayStore {
 public:
  virtual ~GatewayStore() = default;

  virtual std::vector<Gateway> list(const GatewayFilter& filter) = 0;
  virtual std::optional<Gateway> find(std::string_view gateway_id) = 0;
  // False when a gateway with this id already exists.
  virtual bool create(const Gateway& gateway) = 0;
  virtual std::optional<Gateway> update(std::string_view gateway_id, const GatewayChanges& changes,
                                        EpochMs now) = 0;
  // Removes the gateway, its nodes and their readings. False when it does not exist.
  virtual bool remove(std::string_view gateway_id) = 0;
};

}  // namespace blazeiot
