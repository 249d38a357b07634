#pragma once
// Device commands and their outcome. Replies (CommandResponse/<id>) reach the table through
// TelemetryStore::apply, in the same transaction as the rest of an ingest batch.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/ota.hpp"

namespace blazeiot {

struct CommandQuery {
  std::optional<std::string> device_id;
  std::optional<std::string> status;
  int limit = 100;
  std::int64_t offset = 0;
};

class CommandStore {
 public:
  virtual ~CommandStore() = default;

  // Returns the record with its id. command_id is unique (StorageError when it is not).
  virtual Command create(const Command& command) = 0;
  virtual std::optional<Command> find(std::string_view command_id) = 0;
  // Newest first.
  virtual std::vector<Command> list(const CommandQuery& query) = 0;
  virtual std::int64_t count(const CommandQuery& query) = 0;
  // pending -> sent once the broker acknowledged the request; nothing when not pending.
  virtual std::optional<Command> mark_sent(std::string_view command_id, EpochMs now) = 0;
  // Commands still pending or sent whose expires_at is before `now` become `expired`;
  // returns them after the change.
  virtual std::vector<Command> expire(EpochMs now) = 0;
};

}  // namespace blazeiot
