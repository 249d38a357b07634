#pragma once
// Where the platform hashes and verifies passwords: in a short-lived child process.
//
// Why not in-process: libsodium's Argon2id maps its 64 MiB with MAP_POPULATE, which holds the
// process's address-space lock while every page is faulted in. Meanwhile every other thread
// that grows, maps or frees memory (ingest, WebSocket fan-out, the start-up itself) waits.
// On a VM whose fresh memory costs 15-30 us per page that is 250-500 ms per hash, at the first
// start (the default admin) and at every login. A child has an address space of its own; the
// platform's threads only share the CPU with it.
#include <string>
#include <string_view>

#include "auth/password_hasher.hpp"

namespace blazeiot {

class PasswordHashing {
 public:
  // Hashes in this process (unit tests, one-shot commands).
  PasswordHashing() = default;
  // Hashes in `executable password-worker` (the platform passes "/proc/self/exe"). When the
  // child cannot be started or gives no answer, the work is done in-process and a warning
  // logged: a login must not fail because a process could not be spawned.
  explicit PasswordHashing(std::string executable) : executable_(std::move(executable)) {}

  std::string hash(std::string_view password) const;
  PasswordCheck verify(std::string_view password, std::string_view stored_hash) const;

 private:
  std::string executable_;
};

// The child's side: reads one request from `in_fd` until end of file, writes the answer to
// `out_fd`, returns the exit code. main() runs it for `blazeiot password-worker`.
int run_password_worker(int in_fd, int out_fd);

}  // namespace blazeiot
