#include "auth/password_process.hpp"

#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <vector>

#include "core/fd_io.hpp"

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

// The child's environment: only the sanitizers' settings (test builds). The platform's own
// holds its secrets (JWT_SECRET, database and broker passwords), of no use to the child.
std::vector<char*> child_environment() {
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view v(*e);
    if (v.starts_with("ASAN_OPTIONS=") || v.starts_with("UBSAN_OPTIONS=") ||
        v.starts_with("LSAN_OPTIONS="))
      env.push_back(*e);
  }
  env.push_back(nullptr);
  return env;
}

// A started child: killed if it still runs, and waited for, when this goes.
class ChildProcess {
 public:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    wait();
  }
  // Waits for it to end; true when it exited with status 0.
  bool wait() {
    int status = 0;
    pid_t r = -1;
    while ((r = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }

 private:
  pid_t pid_;
};

// Starts `executable password-worker` with stdin and stdout on `child_end`; nullopt, and the
// reason in `why`, when it cannot be started.
std::optional<pid_t> spawn_worker(const std::string& executable, int child_end,
                                  std::string& why) {
  posix_spawn_file_actions_t actions;
  int rc = posix_spawn_file_actions_init(&actions);
  if (rc != 0) {
    why = std::string("posix_spawn_file_actions_init: ") + std::strerror(rc);
    return std::nullopt;
  }
  rc = posix_spawn_file_actions_adddup2(&actions, child_end, STDIN_FILENO);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, child_end, STDOUT_FILENO);
  // Whatever else the platform has open (sockets, the database, log files) stays out of it.
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
  pid_t pid = -1;
  if (rc == 0) {
    char arg0[] = "blazeiot";
    char arg1[] = "password-worker";
    char* argv[] = {arg0, arg1, nullptr};
    std::vector<char*> env = child_environment();
    rc = ::posix_spawn(&pid, executable.c_str(), &actions, nullptr, argv, env.data());
  }
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    why = "cannot start " + executable + ": " + std::strerror(rc);
    return std::nullopt;
  }
  return pid;
}

// The child's answer to `request`; nullopt, and the reason in `why`, when no child could be
// started. Throws when one was started but did not answer.
std::optional<std::string> ask_child(const std::string& executable, std::string_view request,
                                     std::string& why) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    why = std::string("socketpair: ") + std::strerror(errno);
    return std::nullopt;
  }
  UniqueFd ours(sv[0]);
  std::optional<pid_t> pid;
  {
    UniqueFd theirs(sv[1]);  // the child has its copy; ours closes so that EOF can arrive
    pid = spawn_worker(executable, theirs.get(), why);
  }
  if (!pid) return std::nullopt;
  ChildProcess child(*pid);
  std::optional<std::string> answer;
  if (write_all(ours.get(), request, /*to_socket=*/true) && ::shutdown(ours.get(), SHUT_WR) == 0)
    answer = read_to_end(ours.get(), kMaxAnswer, std::chrono::steady_clock::now() + kChildDeadline);
  if (!answer) throw std::runtime_error("the password worker gave no answer");
  if (!child.wait()) throw std::runtime_error("the password worker failed");
  return answer;
}

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

void PasswordHashing::fall_back(const std::string& why) const {
  // Said once: a platform that cannot start processes should not log a line per login.
  if (fallbacks_.fetch_add(1) == 0)
    spdlog::warn("passwords are hashed inside the platform: no child process ({})", why);
}

std::string PasswordHashing::hash(std::string_view password) const {
  if (executable_.empty()) return hash_password(password);
  std::string request;
  Wiped wipe{request};
  request.reserve(2 + password.size());
  request.append(1, kHash).append("\n").append(password);
  std::string why;
  if (std::optional<std::string> answer = ask_child(executable_, request, why)) {
    // A truncated or foreign answer stored as the hash would lock the account out for good.
    if (!is_current_hash(*answer))
      throw std::runtime_error("the password worker's answer is not a hash");
    return std::move(*answer);
  }
  fall_back(why);
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
  std::string why;
  if (std::optional<std::string> answer = ask_child(executable_, request, why)) {
    const std::string& a = *answer;
    if (a.size() != 2 || (a[0] != '0' && a[0] != '1') || (a[1] != '0' && a[1] != '1'))
      throw std::runtime_error("the password worker's answer is malformed");
    return PasswordCheck{a[0] == '1', a[1] == '1'};
  }
  fall_back(why);
  return verify_password(password, stored_hash);
}

int run_password_worker(int in_fd, int out_fd) {
  std::optional<std::string> request =
      read_to_end(in_fd, kMaxRequest, std::chrono::steady_clock::now() + kChildDeadline);
  if (!request) return 1;
  Wiped wipe{*request};
  try {
    const std::optional<std::string> answer = answer_request(*request);
    return answer && write_all(out_fd, *answer) ? 0 : 1;
  } catch (const std::exception& e) {  // out of memory for the hash
    std::fprintf(stderr, "password-worker: %s\n", e.what());
    return 1;
  }
}

int password_worker_main() {
  ::prctl(PR_SET_NAME, "blazeiot-passwd");  // `ps -e` and `top` would show "exe"
  ::prctl(PR_SET_DUMPABLE, 0);              // no core dump or ptrace of a process with a password
  return run_password_worker(STDIN_FILENO, STDOUT_FILENO);
}

}  // namespace blazeiot
