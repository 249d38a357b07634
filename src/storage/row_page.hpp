#pragma once
// Which rows of a list to return: at most `limit` (none: every row) from `offset` on, in the
// list's own order. The API's list endpoints always give a limit; internal callers that need
// every row (an OTA campaign's targets) give none.
#include <cstdint>
#include <optional>

namespace blazeiot {

struct RowPage {
  std::optional<std::int64_t> limit;
  std::int64_t offset = 0;
};

}  // namespace blazeiot
