#pragma once
// The process's limit on open files. Linux starts most processes at a soft limit of 1024,
// far below what a server holding thousands of HTTP and WebSocket connections needs, while
// the hard limit is usually much higher: the platform raises the one to the other at start
// (as nginx and Go's runtime do), so that its own connection limits are the ones that apply.
#include <cstdint>

namespace blazeiot {

// Raises the soft limit to the hard limit, but not past kOpenFileLimitCap (a container may
// leave the hard limit unlimited, and children such as the embedded broker inherit the soft
// one: some programs size tables by it); returns the soft limit now in force.
inline constexpr std::uint64_t kOpenFileLimitCap = 65'536;
std::uint64_t raise_open_file_limit();

}  // namespace blazeiot
