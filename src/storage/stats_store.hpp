#pragma once
// Figures for the status endpoint.
#include <cstdint>

namespace blazeiot {

struct InventoryCounts {
  std::int64_t devices = 0;
  std::int64_t devices_online = 0;
  std::int64_t gateways = 0;
  std::int64_t gateways_online = 0;
  std::int64_t nodes = 0;
  std::int64_t nodes_online = 0;
};

class StatsStore {
 public:
  virtual ~StatsStore() = default;
  virtual InventoryCounts inventory_counts() = 0;
};

}  // namespace blazeiot
