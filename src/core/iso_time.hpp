#pragma once
// ISO 8601 (UTC) formatting and parsing: the only date format on the wire.
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace blazeiot {

// "2024-11-02T10:30:00.000Z"
std::string format_iso8601(EpochMs ms);
void append_iso8601(std::string& out, EpochMs ms);

// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" with "Z", "+hh:mm" or no zone (UTC).
std::optional<EpochMs> parse_iso8601(std::string_view text);

}  // namespace blazeiot
