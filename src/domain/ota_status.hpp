#pragma once
#include <string_view>

namespace blazeiot {

// An OTA update in one of these states is over: no further device report changes it.
inline bool is_final_ota_status(std::string_view s) {
  return s == "success" || s == "failed" || s == "timed_out" || s == "cancelled";
}

}  // namespace blazeiot
