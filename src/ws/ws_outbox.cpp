#include "ws/ws_outbox.hpp"

namespace blazeiot {

void WsOutbox::build_index() {
  newest_.clear();
  for (std::size_t i = 0; i < items_.size(); ++i)
    if (items_[i].key) newest_[*items_[i].key] = popped_ + i;
  indexed_ = true;
}

WsOutbox::Result WsOutbox::push(Key key, std::shared_ptr<const std::string> text) {
  const std::size_t size = text->size();
  if (key && bytes_ + size > soft_limit_) {
    if (!indexed_) build_index();
    auto it = newest_.find(*key);
    if (it != newest_.end()) {
      // Keep the queued message's place, give it the newest value.
      Item& queued = items_[it->second - popped_];
      bytes_ = bytes_ - queued.text->size() + size;
      queued.text = std::move(text);
      ++coalesced_;
      return Result::coalesced;
    }
  }
  if (bytes_ + size > hard_limit_) return Result::overflow;
  const std::uint64_t number = popped_ + items_.size();
  items_.push_back({std::move(key), std::move(text)});
  bytes_ += size;
  if (indexed_ && items_.back().key) newest_[*items_.back().key] = number;
  return Result::queued;
}

std::shared_ptr<const std::string> WsOutbox::pop() {
  if (items_.empty()) return nullptr;
  Item item = std::move(items_.front());
  items_.pop_front();
  if (indexed_ && item.key) {
    auto it = newest_.find(*item.key);
    if (it != newest_.end() && it->second == popped_) newest_.erase(it);
  }
  ++popped_;
  bytes_ -= item.text->size();
  if (items_.empty() && indexed_) {
    newest_.clear();
    indexed_ = false;
  }
  return std::move(item.text);
}

}  // namespace blazeiot
