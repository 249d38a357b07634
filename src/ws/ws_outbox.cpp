#include "ws/ws_outbox.hpp"

namespace blazeiot {

WsOutbox::Result WsOutbox::push(const std::string& key, std::shared_ptr<const std::string> text) {
  std::size_t size = text->size();
  if (!key.empty() && bytes_ + size > soft_limit_) {
    auto it = by_key_.find(key);
    if (it != by_key_.end()) {
      // Keep the queued message's place, give it the newest value.
      bytes_ = bytes_ - it->second->text->size() + size;
      it->second->text = std::move(text);
      ++coalesced_;
      return Result::coalesced;
    }
  }
  if (bytes_ + size > hard_limit_) return Result::overflow;
  items_.push_back({key, std::move(text)});
  bytes_ += size;
  if (!key.empty()) by_key_[key] = std::prev(items_.end());
  return Result::queued;
}

std::shared_ptr<const std::string> WsOutbox::pop() {
  if (items_.empty()) return nullptr;
  Item item = std::move(items_.front());
  if (!item.key.empty()) {
    auto it = by_key_.find(item.key);
    if (it != by_key_.end() && it->second == items_.begin()) by_key_.erase(it);
  }
  items_.pop_front();
  bytes_ -= item.text->size();
  return std::move(item.text);
}

}  // namespace blazeiot
