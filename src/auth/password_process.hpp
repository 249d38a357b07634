#pragma once
// Where the platform hashes and verifies passwords: in a short-lived child process.
//
// Why not in-process: libsodium's Argon2id maps its 64 MiB with MAP_POPULATE, which holds the
// process's address-space lock while every page is faulted in. Meanwhile every other thread
// that grows, maps or frees memory (ingest, WebSocket fan-out, the start-up itself) waits.
// On a VM whose fresh memory costs 15-30 us per page that is 250-500 ms per hash, at the first
// start (the default admin) and at every login. A child has an address space of its own; the
// platform's threads only share the CPU with it.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/password_hasher.hpp"

namespace blazeiot {

class PasswordHashing {
 public:
  // Hashes in this process (unit tests, one-shot commands).
  PasswordHashing() = default;
  // Hashes in `executable password-worker` (the platform passes "/proc/self/exe"). When no
  // child can be started at all, the work is done in this process (and a warning logged
  // once): a login must not fail because processes cannot be spawned. A child that was
  // started but failed (killed, most likely short of memory, stuck, or garbled) fails the
  // call with std::runtime_error instead: hashing 64 MiB here at such a moment is worse.
  explicit PasswordHashing(std::string executable) : executable_(std::move(executable)) {}

  std::string hash(std::string_view password) const;
  PasswordCheck verify(std::string_view password, std::string_view stored_hash) const;

  // Calls done in this process because no child could be started.
  std::uint64_t fallbacks() const { return fallbacks_.load(); }

 private:
  void fall_back(const std::string& why) const;

  std::string executable_;
  mutable std::atomic<std::uint64_t> fallbacks_{0};
};

// The child's side: reads one request from `in_fd` until end of file, writes the answer to
// `out_fd`, returns the exit code.
int run_password_worker(int in_fd, int out_fd);

// main() of `blazeiot password-worker`: the process gets a name of its own and stays out of
// core dumps, then serves one request on stdin/stdout.
int password_worker_main();

}  // namespace blazeiot
