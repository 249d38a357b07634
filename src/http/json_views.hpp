#pragma once
// How the platform's records look on the wire: ISO 8601 dates, stored JSON (metadata, reading
// data, log details) as nested objects rather than strings, never a password hash.
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include "core/json_writer.hpp"
#include "domain/entities.hpp"
#include "storage/node_store.hpp"
#include "storage/user_store.hpp"

namespace blazeiot {

// `sp` is where the value's memory comes from: pass one monotonic resource for a whole
// response (json_arena()) so that a page of readings costs a few allocations, not thousands.
boost::json::value to_json(const Device& d, boost::json::storage_ptr sp = {});
boost::json::value to_json(const Gateway& g, boost::json::storage_ptr sp = {});
boost::json::value to_json(const NodeRecord& n, boost::json::storage_ptr sp = {});
boost::json::value to_json(const LogEntry& e, boost::json::storage_ptr sp = {});
boost::json::value to_json(const User& u, boost::json::storage_ptr sp = {});

// A reading as the API shows it, written straight into the response text.
void write_json(JsonWriter& w, const Reading& r);
// Stored JSON text as it is when valid; otherwise as a string (never invalid output).
void write_stored_json(JsonWriter& w, std::string_view text);

// A shared monotonic resource: memory is released when the last value using it is gone.
boost::json::storage_ptr json_arena();

// An ISO 8601 string, or null.
boost::json::value iso_or_null(const std::optional<EpochMs>& t, boost::json::storage_ptr sp = {});
// Stored JSON text as a value; text that is not valid JSON is returned as a string.
boost::json::value stored_json(std::string_view text, boost::json::storage_ptr sp = {});

}  // namespace blazeiot
