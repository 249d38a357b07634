#include "domain/presence_tracker.hpp"

namespace blazeiot {

std::string PresenceTracker::map_key(const PresenceKey& key) {
  std::string k;
  k.reserve(key.id.size() + key.gateway_id.size() + 3);
  k += static_cast<char>('0' + static_cast<int>(key.kind));
  k += key.gateway_id;
  k += '\x1f';  // cannot occur in an identifier
  k += key.id;
  return k;
}

void PresenceTracker::schedule(const std::string& mk, State& s) {
  if (s.scheduled || s.status != Presence::online) return;
  deadlines_.push({s.last_seen + timeout_ms_, mk});
  s.scheduled = true;
}

void PresenceTracker::load(const PresenceKey& key, Presence status,
                           std::optional<EpochMs> last_seen, EpochMs now) {
  std::string mk = map_key(key);
  State& s = entities_[mk];
  s.key = key;
  s.status = status;
  // An entity stored as online without a time is treated as just seen, so it gets a full
  // timeout after a restart rather than flapping offline at once.
  s.last_seen = last_seen.value_or(now);
  schedule(mk, s);
}

std::optional<PresenceTransition> PresenceTracker::observe(const PresenceKey& key, EpochMs now) {
  std::string mk = map_key(key);
  auto [it, inserted] = entities_.try_emplace(mk);
  State& s = it->second;
  if (s.last_seen < now) s.last_seen = now;
  if (inserted) s.key = key;
  if (!inserted && s.status == Presence::online) return std::nullopt;
  s.status = Presence::online;
  schedule(mk, s);
  return PresenceTransition{key, inserted, Presence::online};
}

std::optional<PresenceTransition> PresenceTracker::report(const PresenceKey& key, Presence status,
                                                          EpochMs now) {
  if (status == Presence::online) return observe(key, now);
  auto it = entities_.find(map_key(key));
  if (it == entities_.end() || it->second.status == Presence::offline) return std::nullopt;
  it->second.status = Presence::offline;
  return PresenceTransition{key, false, Presence::offline};
}

std::vector<PresenceTransition> PresenceTracker::expire(EpochMs now) {
  std::vector<PresenceTransition> out;
  while (!deadlines_.empty() && deadlines_.top().at <= now) {
    Deadline d = deadlines_.top();
    deadlines_.pop();
    auto it = entities_.find(d.map_key);
    if (it == entities_.end()) continue;
    State& s = it->second;
    s.scheduled = false;
    if (s.status != Presence::online) continue;
    if (s.last_seen + timeout_ms_ <= now) {
      s.status = Presence::offline;
      out.push_back({s.key, false, Presence::offline});
    } else {
      schedule(d.map_key, s);  // seen since: wait for the new deadline
    }
  }
  return out;
}

std::size_t PresenceTracker::count(EntityKind kind) const {
  std::size_t n = 0;
  for (const auto& [k, s] : entities_) n += s.key.kind == kind;
  return n;
}

std::size_t PresenceTracker::online(EntityKind kind) const {
  std::size_t n = 0;
  for (const auto& [k, s] : entities_) n += s.key.kind == kind && s.status == Presence::online;
  return n;
}

}  // namespace blazeiot
