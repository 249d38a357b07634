#pragma once
// HTTP Range / If-Range handling (RFC 9110 section 14) for file downloads, so a device whose
// firmware download broke off can resume it instead of starting over. Only a single byte range
// is served: multi-range requests are answered with the whole file, which RFC 9110 allows and
// which spares us multipart/byteranges responses nobody here needs.
#include <cstdint>
#include <string_view>

namespace blazeiot {

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
};

enum class RangeKind {
  none,           // no usable Range header: send the whole file (200)
  satisfiable,    // send `range` (206)
  unsatisfiable,  // nothing of the file is in the range (416)
};

struct RangeRequest {
  RangeKind kind = RangeKind::none;
  ByteRange range;  // meaningful for satisfiable only; last <= size - 1
};

// `header` is the Range header's value, `size` the file's length in bytes. Accepts
// "bytes=a-b", "bytes=a-" and "bytes=-n" (the last n bytes); `last` is clamped to size - 1.
// A syntactically invalid header, last < first, or more than one range is `none`; a range that
// starts at or past the end, a suffix of 0 bytes, or any range of an empty file is
// `unsatisfiable`.
RangeRequest parse_range(std::string_view header, std::uint64_t size);

// If-Range (RFC 9110 section 13.1.5): true when `if_range` is a strong entity tag equal to
// `etag` (a quoted strong ETag). Weak tags and HTTP dates never match, so the client gets the
// whole file: dates have one-second resolution and cannot prove the file is unchanged.
bool if_range_matches(std::string_view if_range, std::string_view etag);

}  // namespace blazeiot
