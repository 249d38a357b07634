#pragma once
// A map that holds at most `capacity` entries, dropping the least recently used one to make
// room. Keeps per-client state (rate limits, login failures) bounded whatever the number of
// clients. Not thread-safe: the owner locks.
#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace blazeiot {

template <class Value>
class BoundedLruMap {
 public:
  explicit BoundedLruMap(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

  // The entry for key, created with Value{} when absent; marks it most recently used.
  Value& touch(std::string_view key) {
    auto it = index_.find(std::string(key));
    if (it != index_.end()) {
      order_.splice(order_.begin(), order_, it->second);
      return it->second->second;
    }
    if (index_.size() >= capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
    order_.emplace_front(std::string(key), Value{});
    index_.emplace(order_.front().first, order_.begin());
    return order_.front().second;
  }

  Value* find(std::string_view key) {
    auto it = index_.find(std::string(key));
    return it == index_.end() ? nullptr : &it->second->second;
  }

  void erase(std::string_view key) {
    auto it = index_.find(std::string(key));
    if (it == index_.end()) return;
    order_.erase(it->second);
    index_.erase(it);
  }

  std::size_t size() const { return index_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  using Order = std::list<std::pair<std::string, Value>>;
  std::size_t capacity_;
  Order order_;
  std::unordered_map<std::string, typename Order::iterator> index_;
};

}  // namespace blazeiot
