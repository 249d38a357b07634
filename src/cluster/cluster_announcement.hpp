#pragma once
// The wire format of what one instance tells the others about a committed ingest batch:
// its presence changes and sightings (so every instance's presence view is complete) and its
// live-stream events (readings, OTA responses, log lines). Carried by PostgreSQL NOTIFY, so
// each payload stays under the server's 8000-byte limit:
//
//   "<origin hex> <document seq hex> <fragment index> <fragment count>\n<JSON text>"
//
// A batch becomes as many documents as it needs, each a JSON array of whole items; an item
// too large for one payload (a big reading) is a document of its own, split into fragments
// at UTF-8 character boundaries and joined again by the receiver. The fragments of one
// transaction arrive together and in order (NOTIFY's guarantee).
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/events.hpp"
#include "domain/ingest_batch.hpp"

namespace blazeiot {

inline constexpr std::size_t kMaxAnnouncementPayload = 7900;  // NOTIFY allows < 8000 bytes

struct ClusterAnnouncement {
  std::uint64_t origin = 0;
  std::vector<PresenceChange> presence;  // apply before the sightings
  std::vector<EntitySighting> sightings;
  // For live views: PresenceChanged, ReadingStored, OtaStatusChanged, LogWritten.
  std::vector<PlatformEvent> events;
};

// `seq` numbers the documents: unique per origin for as long as fragments may be in flight.
// with_ota: false leaves the OTA responses out (they travel with the OTA service's own
// status events, batch_announcer.hpp).
std::vector<std::string> encode_announcements(const IngestBatch& batch, std::uint64_t origin,
                                              std::atomic<std::uint64_t>& seq,
                                              bool with_ota = true,
                                              std::size_t max_payload = kMaxAnnouncementPayload);

class AnnouncementDecoder {
 public:
  // Announcements from own_origin are this instance's own: skipped without parsing.
  explicit AnnouncementDecoder(std::uint64_t own_origin) : own_(own_origin) {}

  // One notification payload; a value once a document is complete. Malformed input is
  // counted and dropped.
  std::optional<ClusterAnnouncement> feed(std::string_view payload);
  // After a reconnect: fragments of a document cut in two will never be completed.
  void reset() { partial_.clear(); }
  std::uint64_t malformed() const { return malformed_; }

 private:
  struct Partial {
    std::string text;
    unsigned next = 0;
  };
  std::optional<ClusterAnnouncement> parse(std::uint64_t origin, std::string_view json);

  std::uint64_t own_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, Partial> partial_;
  std::uint64_t malformed_ = 0;
};

}  // namespace blazeiot
