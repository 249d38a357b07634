#pragma once
// Nodes (sensors behind gateways) as the API manages them. A node is identified by
// (mac, gateway_id); the same mac may be heard by several gateways.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities.hpp"
#include "storage/row_page.hpp"

namespace blazeiot {

struct NodeRecord {
  std::int64_t id = 0;  // the row id, stable for the node's life
  Node node;
};

struct NodeFilter {
  std::optional<std::string> gateway_id;
  std::optional<std::string> mac;
  std::optional<Presence> status;
  RowPage page;
};

struct NodeChanges {
  std::optional<std::string> name;
  std::optional<std::string> type;
  std::optional<std::string> metadata_json;
};

class NodeStore {
 public:
  virtual ~NodeStore() = default;

  virtual std::vector<NodeRecord> list(const NodeFilter& filter) = 0;
  virtual std::optional<NodeRecord> update(std::string_view mac, std::string_view gateway_id,
                                           const NodeChanges& changes, EpochMs now) = 0;
  // Removes the node and its readings. False when it does not exist.
  virtual bool remove(std::string_view mac, std::string_view gateway_id) = 0;
};

}  // namespace blazeiot
