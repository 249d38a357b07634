#pragma once
// Writes JSON text straight into a string, for the hot paths (pages of readings, live events)
// where building a boost::json::value first and serialising it afterwards costs more than the
// query itself. Numbers and strings are written exactly as json_text() writes them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace blazeiot {

// "..." with the characters JSON requires escaped; other bytes are copied as they are.
void append_json_string(std::string& out, std::string_view text);
// Shortest text that reads back to the same double, kept a float ("48.0"); null when not finite.
void append_json_double(std::string& out, double value);
void append_json_int(std::string& out, std::int64_t value);
// True when `text` is one complete, valid JSON value (checked without building it).
bool is_valid_json(std::string_view text);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  JsonWriter& key(std::string_view name);

  JsonWriter& string(std::string_view text);
  JsonWriter& number(double value);
  JsonWriter& integer(std::int64_t value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();
  // An ISO 8601 string: the only date format on the wire.
  JsonWriter& iso_time(EpochMs ms);
  // Text that is already JSON (e.g. a reading's stored data, validated when it was stored).
  JsonWriter& raw(std::string_view json);

  // Shorthands for `key(name).<value>`.
  JsonWriter& field(std::string_view name, std::string_view text) { return key(name).string(text); }
  JsonWriter& field(std::string_view name, const char* text) { return key(name).string(text); }
  JsonWriter& field(std::string_view name, std::int64_t v) { return key(name).integer(v); }
  JsonWriter& field(std::string_view name, bool v) { return key(name).boolean(v); }

 private:
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);
  void separate();  // a comma before every element but the first of its container

  std::string& out_;
  std::vector<bool> has_element_;  // one entry per open container
  bool after_key_ = false;
};

}  // namespace blazeiot
