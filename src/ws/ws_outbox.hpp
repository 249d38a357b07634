#pragma once
// One client's queue of outgoing messages, bounded in bytes. Past the soft limit a new
// message replaces a queued one with the same coalescing key (the client loses intermediate
// values but keeps the latest per source); past the hard limit the client is too slow and
// must be disconnected. Not thread-safe: the owner locks.
#include <cstddef>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace blazeiot {

class WsOutbox {
 public:
  enum class Result { queued, coalesced, overflow };

  WsOutbox(std::size_t soft_limit, std::size_t hard_limit)
      : soft_limit_(soft_limit), hard_limit_(hard_limit) {}

  Result push(const std::string& coalesce_key, std::shared_ptr<const std::string> text);
  std::shared_ptr<const std::string> pop();

  bool empty() const { return items_.empty(); }
  std::size_t bytes() const { return bytes_; }
  std::size_t size() const { return items_.size(); }
  std::uint64_t coalesced() const { return coalesced_; }

 private:
  struct Item {
    std::string key;
    std::shared_ptr<const std::string> text;
  };
  std::size_t soft_limit_;
  std::size_t hard_limit_;
  std::size_t bytes_ = 0;
  std::uint64_t coalesced_ = 0;
  std::list<Item> items_;
  std::unordered_map<std::string, std::list<Item>::iterator> by_key_;
};

}  // namespace blazeiot
