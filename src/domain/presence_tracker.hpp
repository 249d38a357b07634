#pragma once
// Who is online. Every message from a device, gateway or node is an observation; an entity
// with no observation for `timeout` goes offline; a status message or Last Will sets the
// status at once. Pure logic driven by the caller's clock (tested on a fake one).
#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/entities.hpp"

namespace blazeiot {

struct PresenceKey {
  EntityKind kind = EntityKind::device;
  std::string id;
  std::string gateway_id;  // nodes only
};

// Appends the one string that names an entity of any kind (the tracker's map key), so
// callers can look entities up in a reused buffer without allocating.
void append_entity_key(std::string& out, EntityKind kind, std::string_view gateway_id,
                       std::string_view id);

struct PresenceTransition {
  PresenceKey key;
  bool registered = false;  // first time this entity is seen
  Presence status = Presence::online;
};

class PresenceTracker {
 public:
  explicit PresenceTracker(EpochMs timeout_ms) : timeout_ms_(timeout_ms) {}

  // Entities known from storage at start-up.
  void load(const PresenceKey& key, Presence status, std::optional<EpochMs> last_seen,
            EpochMs now);

  // Traffic from the entity. Returns a transition when it is new or was offline.
  std::optional<PresenceTransition> observe(const PresenceKey& key, EpochMs now) {
    return observe(key.kind, key.id, key.gateway_id, now);
  }
  // The same without a PresenceKey (called for every message: no allocation once known).
  std::optional<PresenceTransition> observe(EntityKind kind, std::string_view id,
                                            std::string_view gateway_id, EpochMs now);

  // An explicit report. Offline for an unknown entity is ignored; online registers it.
  std::optional<PresenceTransition> report(const PresenceKey& key, Presence status, EpochMs now);

  // Online entities silent for the timeout, now marked offline.
  std::vector<PresenceTransition> expire(EpochMs now);

  // What other instances committed (several instances share one database, each seeing only
  // its share of the traffic). These keep this tracker's view complete without raising the
  // transitions again: the instance that saw the traffic has logged and stored them.
  //
  // Traffic seen elsewhere at seen_at: last_seen moves forward, an unknown entity becomes
  // known and online. An entity this tracker holds offline on older evidence comes back
  // online, and that is returned: nobody else may have said so (the other instance still
  // believed it online), so the caller decides whether to announce it.
  std::optional<PresenceTransition> touch(const PresenceKey& key, EpochMs seen_at);
  // A status another instance stored (a timeout, a status message, a Last Will).
  void apply_remote(const PresenceKey& key, Presence status, EpochMs at);
  // The stored row, read after events may have been missed: merged, newest evidence wins.
  void merge_stored(const PresenceKey& key, Presence status, std::optional<EpochMs> last_seen,
                    EpochMs now);

  std::size_t count(EntityKind kind) const;
  std::size_t online(EntityKind kind) const;
  std::size_t pending_deadlines() const { return deadlines_.size(); }

 private:
  struct State {
    PresenceKey key;
    Presence status = Presence::offline;
    EpochMs last_seen = 0;
    // The time of the evidence behind the current status: traffic newer than this overrides
    // an offline status (for a timeout, the silence began at last_seen).
    EpochMs status_since = 0;
    bool scheduled = false;  // has an entry in deadlines_
  };
  struct Deadline {
    EpochMs at;
    std::string map_key;
    bool operator>(const Deadline& o) const { return at > o.at; }
  };

  static std::string map_key(const PresenceKey& key);
  void schedule(const std::string& mk, State& s);

  EpochMs timeout_ms_;
  std::string key_buffer_;  // observe()'s lookup key, reused
  std::unordered_map<std::string, State> entities_;
  // At most one entry per online entity: re-armed from last_seen when it comes due.
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
};

}  // namespace blazeiot
