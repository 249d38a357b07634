#include "cluster/stop_signal.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace blazeiot {

StopSignal::StopSignal() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

StopSignal::~StopSignal() { ::close(fd_); }

void StopSignal::raise() {
  raised_ = true;
  std::uint64_t one = 1;
  // Only fails when the counter would overflow, which a few raises never reach.
  [[maybe_unused]] ssize_t n = ::write(fd_, &one, sizeof one);
}

void StopSignal::nudge() {
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(fd_, &one, sizeof one);
}

StopSignal::Wake StopSignal::wait(int socket, std::chrono::milliseconds timeout) const {
  if (raised()) return Wake::stopped;
  pollfd fds[2] = {{fd_, POLLIN, 0}, {socket, POLLIN, 0}};
  int n = ::poll(fds, socket >= 0 ? 2 : 1, static_cast<int>(timeout.count()));
  if (raised()) return Wake::stopped;
  if (n > 0 && socket >= 0 && (fds[1].revents & (POLLIN | POLLERR | POLLHUP)))
    return Wake::readable;
  if (n > 0 && (fds[0].revents & POLLIN)) {
    // A nudge: consume it (a raise is never consumed for good: raised() is checked first).
    std::uint64_t count = 0;
    [[maybe_unused]] ssize_t r = ::read(fd_, &count, sizeof count);
    return Wake::nudged;
  }
  return Wake::timeout;  // also EINTR: the caller's loop comes back soon enough
}

}  // namespace blazeiot
