#pragma once
// Lets a thread that waits on a database socket be woken at once, for shutdown or for work:
// the wait polls the socket and an eventfd together, so nobody waits out a timeout.
#include <atomic>
#include <chrono>

namespace blazeiot {

class StopSignal {
 public:
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  void raise();
  bool raised() const { return raised_.load(); }
  // Ends the current (or next) wait early without stopping: there is work.
  void nudge();

  enum class Wake { readable, timeout, stopped, nudged };
  // Until `socket` is readable (-1: no socket, just sleep), the signal is raised, a nudge
  // comes, or the timeout passes.
  Wake wait(int socket, std::chrono::milliseconds timeout) const;

 private:
  int fd_ = -1;
  std::atomic<bool> raised_{false};
};

}  // namespace blazeiot
