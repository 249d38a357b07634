#pragma once
// One client's queue of outgoing messages, bounded in bytes. Past the soft limit a new
// message replaces a queued one with the same coalescing key (the client loses intermediate
// values but keeps the latest per source); past the hard limit the client is too slow and
// must be disconnected. Not thread-safe: the owner locks.
//
// A client that keeps up never has its queue past the soft limit, so the key index that
// coalescing needs is built only when the queue first crosses it and dropped once the queue
// is empty again: the common case costs no hashing and no allocation per message.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace blazeiot {

class WsOutbox {
 public:
  enum class Result { queued, coalesced, overflow };
  using Key = std::shared_ptr<const std::string>;  // null: never coalesced

  WsOutbox(std::size_t soft_limit, std::size_t hard_limit)
      : soft_limit_(soft_limit), hard_limit_(hard_limit) {}

  Result push(Key key, std::shared_ptr<const std::string> text);
  Result push(const std::string& key, std::shared_ptr<const std::string> text) {
    return push(key.empty() ? nullptr : std::make_shared<const std::string>(key), std::move(text));
  }
  std::shared_ptr<const std::string> pop();

  bool empty() const { return items_.empty(); }
  std::size_t bytes() const { return bytes_; }
  std::size_t size() const { return items_.size(); }
  std::uint64_t coalesced() const { return coalesced_; }

 private:
  struct Item {
    Key key;
    std::shared_ptr<const std::string> text;
  };
  void build_index();

  std::size_t soft_limit_;
  std::size_t hard_limit_;
  std::size_t bytes_ = 0;
  std::uint64_t coalesced_ = 0;
  std::deque<Item> items_;
  std::uint64_t popped_ = 0;  // items popped so far: items_[i] is number popped_ + i
  bool indexed_ = false;
  // While indexed_: each key's newest queued item, by number (the key text lives in the item).
  std::unordered_map<std::string_view, std::uint64_t> newest_;
};

}  // namespace blazeiot
