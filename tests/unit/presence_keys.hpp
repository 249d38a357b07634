#pragma once
// The presence tracker's key for a device, as the presence tests name them.
#include <string>

#include "domain/presence_tracker.hpp"

namespace blazeiot::testing {

inline PresenceKey device(const std::string& id) { return {EntityKind::device, id, ""}; }

}  // namespace blazeiot::testing
