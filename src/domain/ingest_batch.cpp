#include "domain/ingest_batch.hpp"

#include <iterator>

namespace blazeiot {
namespace {
template <class T>
void move_append(std::vector<T>& to, std::vector<T>& from) {
  if (to.empty()) {
    to = std::move(from);
  } else {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  }
  from.clear();
}
}  // namespace

void IngestBatch::append(IngestBatch&& other) {
  move_append(sightings, other.sightings);
  move_append(readings, other.readings);
  move_append(presence, other.presence);
  move_append(ota_responses, other.ota_responses);
  move_append(command_replies, other.command_replies);
  move_append(logs, other.logs);
}

}  // namespace blazeiot
