#pragma once
// Whole reads and writes on file descriptors, for the few places that use them directly
// (atomic file writes, backups, the password child's socket). Each call retries EINTR and short writes.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace blazeiot {

// Closes the descriptor it holds when it goes.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1);

 private:
  int fd_;
};

// Writes all of `data`. With `to_socket`, send(MSG_NOSIGNAL): a peer that went away is an
// error, not a SIGPIPE that ends the process.
bool write_all(int fd, std::string_view data, bool to_socket = false);

// fsync()s the directory itself, which makes a file created, renamed or linked in it survive a
// crash; false (errno set) when it cannot be opened or synced.
bool sync_directory(const std::string& dir);

// Reads until end of file. nullopt on an error, after `deadline`, or past `limit` bytes.
std::optional<std::string> read_to_end(int fd, std::size_t limit,
                                       std::chrono::steady_clock::time_point deadline);

}  // namespace blazeiot
