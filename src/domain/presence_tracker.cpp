#include "domain/presence_tracker.hpp"

namespace blazeiot {

void append_entity_key(std::string& out, EntityKind kind, std::string_view gateway_id,
                       std::string_view id) {
  out += static_cast<char>('0' + static_cast<int>(kind));
  out += gateway_id;
  out += '\x1f';  // cannot occur in an identifier
  out += id;
}

std::string PresenceTracker::map_key(const PresenceKey& key) {
  std::string k;
  k.reserve(key.id.size() + key.gateway_id.size() + 3);
  append_entity_key(k, key.kind, key.gateway_id, key.id);
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
  s.status_since = s.last_seen;
  schedule(mk, s);
}

std::optional<PresenceTransition> PresenceTracker::observe(EntityKind kind, std::string_view id,
                                                           std::string_view gateway_id,
                                                           EpochMs now) {
  key_buffer_.clear();
  append_entity_key(key_buffer_, kind, gateway_id, id);
  auto it = entities_.find(key_buffer_);
  const bool inserted = it == entities_.end();
  if (inserted) {
    it = entities_.try_emplace(key_buffer_).first;
    it->second.key = PresenceKey{kind, std::string(id), std::string(gateway_id)};
  }
  State& s = it->second;
  if (s.last_seen < now) s.last_seen = now;
  if (!inserted && s.status == Presence::online) return std::nullopt;
  s.status = Presence::online;
  s.status_since = now;
  schedule(it->first, s);
  return PresenceTransition{s.key, inserted, Presence::online};
}

std::optional<PresenceTransition> PresenceTracker::report(const PresenceKey& key, Presence status,
                                                          EpochMs now) {
  if (status == Presence::online) return observe(key, now);
  auto it = entities_.find(map_key(key));
  if (it == entities_.end() || it->second.status == Presence::offline) return std::nullopt;
  it->second.status = Presence::offline;
  it->second.status_since = now;
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
      s.status_since = s.last_seen;
      out.push_back({s.key, false, Presence::offline});
    } else {
      schedule(d.map_key, s);  // seen since: wait for the new deadline
    }
  }
  return out;
}

std::optional<PresenceTransition> PresenceTracker::touch(const PresenceKey& key, EpochMs seen_at) {
  std::string mk = map_key(key);
  auto [it, inserted] = entities_.try_emplace(mk);
  State& s = it->second;
  if (inserted) {
    // Registered (and logged) by the instance that saw it first.
    s.key = key;
    s.status = Presence::online;
    s.last_seen = seen_at;
    s.status_since = seen_at;
    schedule(mk, s);
    return std::nullopt;
  }
  if (s.last_seen < seen_at) s.last_seen = seen_at;
  if (s.status == Presence::online || seen_at <= s.status_since) return std::nullopt;
  s.status = Presence::online;
  s.status_since = seen_at;
  schedule(mk, s);
  return PresenceTransition{key, false, Presence::online};
}

void PresenceTracker::apply_remote(const PresenceKey& key, Presence status, EpochMs at) {
  std::string mk = map_key(key);
  auto it = entities_.find(mk);
  if (it == entities_.end()) {
    if (status == Presence::offline) return;  // as report(): nothing to take offline
    it = entities_.try_emplace(mk).first;
    it->second.key = key;
  }
  State& s = it->second;
  if (status == Presence::online) {
    if (s.last_seen < at) s.last_seen = at;
  } else if (s.last_seen > at) {
    return;  // this instance has newer traffic: the entity is online after all
  }
  s.status = status;
  s.status_since = at;
  schedule(mk, s);
}

void PresenceTracker::merge_stored(const PresenceKey& key, Presence status,
                                   std::optional<EpochMs> last_seen, EpochMs now) {
  std::string mk = map_key(key);
  auto it = entities_.find(mk);
  if (it == entities_.end()) {
    load(key, status, last_seen, now);
    return;
  }
  State& s = it->second;
  EpochMs stored = last_seen.value_or(0);
  // The stored status is the newer word only when its evidence is at least as new as ours;
  // otherwise this instance knows of traffic (or a change) the database has not seen yet.
  if (status != s.status && stored >= s.status_since &&
      (status == Presence::offline ? stored >= s.last_seen : stored > s.last_seen)) {
    s.status = status;
    s.status_since = stored;
  }
  if (s.last_seen < stored) s.last_seen = stored;
  schedule(mk, s);
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
