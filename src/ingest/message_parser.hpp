#pragma once
// Topic routing and payload parsing for device traffic: turns one MQTT message into the
// readings, sightings, status reports, OTA responses and command replies it carries, or a
// rejection.
// Pure: no I/O, no clock (the receive time is passed in), so it is unit- and fuzz-tested.
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/entities.hpp"
#include "domain/ingest_batch.hpp"
#include "domain/ota.hpp"

namespace blazeiot {

enum class RejectReason {
  unknown_topic,
  too_large,
  not_json,     // includes invalid UTF-8 and nesting deeper than the limit
  not_object,   // not an object or an array of objects
  missing_id,
  invalid_id,   // wrong type, too long, or forbidden characters
  invalid_field,
};
const char* to_string(RejectReason r);

struct Rejection {
  RejectReason reason;
  std::string detail;
};

// An explicit presence report: a status message or a Last Will.
struct StatusReport {
  EntityKind kind;
  std::string id;
  Presence status;
};

struct ParsedMessage {
  std::vector<EntitySighting> sightings;  // gateway before its nodes
  std::vector<Reading> readings;
  std::vector<StatusReport> status;
  std::vector<OtaResponse> ota;
  std::vector<CommandReply> command_replies;
};

struct ParseLimits {
  std::size_t max_payload = 64 * 1024;
  std::size_t max_depth = 32;
  std::size_t max_array_items = 1000;
};

// The topic filters this parser understands (what the platform subscribes to).
const std::vector<std::string>& ingest_topic_filters();

std::variant<ParsedMessage, Rejection> parse_message(std::string_view topic,
                                                     std::string_view payload, EpochMs now,
                                                     const ParseLimits& limits);

}  // namespace blazeiot
