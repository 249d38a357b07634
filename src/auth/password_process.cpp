#include "auth/password_process.hpp"

#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>

extern char** environ;

namespace blazeiot {
namespace {

// The request, on the child's stdin until end of file:
//   "H\n" <password>                   -> the Argon2id hash string
//   "V\n" <stored hash> "\n" <password> -> two characters: verified ('0'/'1'), needs rehash
// The password goes last, so it may hold any byte; it never appears on a command line.
constexpr char kHash = 'H';
constexpr char kVerify = 'V';
// Longer than any password the API accepts (1,024) or a stored hash; a bigger request is refused.
constexpr std::size_t kMaxRequest = 16 * 1024;
constexpr std::size_t kMaxAnswer = 1024;
// A hash takes 0.1-0.5 s, a few seconds under the sanitizers; past this the child is stuck.
constexpr auto kChildDeadline = std::chrono::seconds(30);

// Wipes a string holding a password before its memory is released.
struct Wiped {
  std::string& s;
  ~Wiped() { sodium_memzero(s.data(), s.size()); }
};

// The platform writes to its socket with send(MSG_NOSIGNAL), so a child that died cannot raise
// SIGPIPE in it; the child writes with write(), as its stdout may be a pipe when run by hand.
bool write_all(int fd, std::string_view data, bool to_socket) {
  while (!data.empty()) {
    ssize_t n = to_socket ? ::send(fd, data.data(), data.size(), MSG_NOSIGNAL)
                          : ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Reads until end of file, at most `limit` bytes. nullopt on an error, a timeout or too much.
std::optional<std::string> read_to_end(int fd, std::size_t limit,
                                       std::chrono::steady_clock::time_point deadline) {
  std::string out;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return std::nullopt;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) return out;
    if (out.size() + static_cast<std::size_t>(n) > limit) return std::nullopt;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

// What the child wrote to its stdout, or why there is nothing.
struct ChildAnswer {
  std::optional<std::string> answer;
  std::string failure;
};

// Runs `executable password-worker` with `request` on its stdin.
ChildAnswer ask_child(const std::string& executable, std::string_view request) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return {std::nullopt, std::string("socketpair: ") + std::strerror(errno)};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, sv[1], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, sv[1], STDOUT_FILENO);
  // Whatever else the platform has open (sockets, the database, log files) stays out of it.
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
  char arg0[] = "blazeiot";
  char arg1[] = "password-worker";
  char* argv[] = {arg0, arg1, nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, executable.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(sv[1]);
  if (rc != 0) {
    ::close(sv[0]);
    return {std::nullopt, "cannot start " + executable + ": " + std::strerror(rc)};
  }

  const auto deadline = std::chrono::steady_clock::now() + kChildDeadline;
  std::optional<std::string> out;
  if (write_all(sv[0], request, /*to_socket=*/true) && ::shutdown(sv[0], SHUT_WR) == 0)
    out = read_to_end(sv[0], kMaxAnswer, deadline);
  ::close(sv[0]);
  if (!out) ::kill(pid, SIGKILL);  // stuck, or gone: either way it is not waited for long
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!out) return {std::nullopt, "the child gave no answer"};
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return {std::nullopt, "the child failed (status " + std::to_string(status) + ")"};
  return {std::move(out), {}};
}

void warn_fallback(const std::string& why) {
  spdlog::warn("password hashing in a child process failed ({}); hashing in this process", why);
}

}  // namespace

std::string PasswordHashing::hash(std::string_view password) const {
  if (executable_.empty()) return hash_password(password);
  std::string request;
  Wiped wipe{request};
  request.reserve(2 + password.size());
  request.append(1, kHash).append("\n").append(password);
  ChildAnswer child = ask_child(executable_, request);
  if (child.answer && child.answer->starts_with("$argon2id$")) return std::move(*child.answer);
  warn_fallback(child.answer ? "malformed answer" : child.failure);
  return hash_password(password);
}

PasswordCheck PasswordHashing::verify(std::string_view password,
                                      std::string_view stored_hash) const {
  // A newline would end the stored hash early in the request; no valid hash holds one.
  if (executable_.empty() || stored_hash.find('\n') != std::string_view::npos)
    return verify_password(password, stored_hash);
  std::string request;
  Wiped wipe{request};
  request.reserve(3 + stored_hash.size() + password.size());
  request.append(1, kVerify).append("\n").append(stored_hash).append("\n").append(password);
  ChildAnswer child = ask_child(executable_, request);
  const std::string& a = child.answer.value_or("");
  if (a.size() == 2 && (a[0] == '0' || a[0] == '1') && (a[1] == '0' || a[1] == '1'))
    return PasswordCheck{a[0] == '1', a[1] == '1'};
  warn_fallback(child.answer ? "malformed answer" : child.failure);
  return verify_password(password, stored_hash);
}

namespace {

// The child's answer to one request, or nullopt for a malformed request.
std::optional<std::string> answer_request(std::string_view r) {
  if (r.size() < 2 || r[1] != '\n') return std::nullopt;
  if (r[0] == kHash) return hash_password(r.substr(2));
  if (r[0] != kVerify) return std::nullopt;
  const std::size_t end = r.find('\n', 2);
  if (end == std::string_view::npos) return std::nullopt;
  const PasswordCheck check = verify_password(r.substr(end + 1), r.substr(2, end - 2));
  return std::string{check.ok ? '1' : '0', check.needs_rehash ? '1' : '0'};
}

}  // namespace

int run_password_worker(int in_fd, int out_fd) {
  std::optional<std::string> request =
      read_to_end(in_fd, kMaxRequest, std::chrono::steady_clock::now() + kChildDeadline);
  if (!request) return 1;
  Wiped wipe{*request};
  try {
    const std::optional<std::string> answer = answer_request(*request);
    return answer && write_all(out_fd, *answer, /*to_socket=*/false) ? 0 : 1;
  } catch (const std::exception& e) {  // out of memory for the hash
    std::fprintf(stderr, "password-worker: %s\n", e.what());
    return 1;
  }
}

}  // namespace blazeiot
