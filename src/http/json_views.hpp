#pragma once
// How the platform's records look on the wire: ISO 8601 dates, stored JSON (metadata, reading
// data, log details) as nested objects rather than strings, never a password hash.
#include <boost/json/value.hpp>

#include "domain/entities.hpp"
#include "storage/node_store.hpp"
#include "storage/user_store.hpp"

namespace blazeiot {

boost::json::value to_json(const Device& d);
boost::json::value to_json(const Gateway& g);
boost::json::value to_json(const NodeRecord& n);
boost::json::value to_json(const Reading& r);
boost::json::value to_json(const LogEntry& e);
boost::json::value to_json(const User& u);

// An ISO 8601 string, or null.
boost::json::value iso_or_null(const std::optional<EpochMs>& t);
// Stored JSON text as a value; text that is not valid JSON is returned as a string.
boost::json::value stored_json(std::string_view text);

}  // namespace blazeiot
