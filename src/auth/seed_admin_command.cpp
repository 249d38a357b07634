#include "auth/seed_admin_command.hpp"

#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "auth/account_rules.hpp"
#include "auth/password_hasher.hpp"
#include "auth/role.hpp"
#include "core/clock.hpp"

namespace blazeiot {
namespace {

bool stdin_is_terminal() { return ::isatty(STDIN_FILENO) == 1; }

std::string prompt_line(const std::string& question, const std::string& fallback) {
  std::cout << question;
  if (!fallback.empty()) std::cout << " [" << fallback << "]";
  std::cout << ": " << std::flush;
  std::string line;
  std::getline(std::cin, line);
  return line.empty() ? fallback : line;
}

// Reads a line with terminal echo switched off, restoring the terminal afterwards.
std::string prompt_hidden(const std::string& question) {
  std::cout << question << ": " << std::flush;
  termios saved{};
  const bool have_tty = ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (have_tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (have_tty) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  std::cout << "\n";
  return line;
}

std::string strip_line_end(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

int run_seed_admin(Storage& storage, const Config& config, const SeedAdminOptions& options) {
  SeedAdminOptions o = options;
  const bool interactive = stdin_is_terminal() && !o.password_stdin;

  if (o.password_stdin) {
    std::string line;
    std::getline(std::cin, line);
    o.password = strip_line_end(line);
  }
  if (interactive) {
    if (o.username.empty()) o.username = prompt_line("Username", config.admin_username);
    if (o.email.empty()) o.email = prompt_line("E-mail", config.admin_email);
    if (o.password.empty()) {
      std::string first = prompt_hidden("Password");
      std::string second = prompt_hidden("Repeat password");
      if (first != second) {
        std::cerr << "seed-admin: the passwords do not match\n";
        return 1;
      }
      o.password = first;
    }
  }
  if (o.username.empty()) o.username = config.admin_username;
  if (o.email.empty()) o.email = config.admin_email;
  if (o.password.empty()) {
    std::cerr << "seed-admin: --password: a password is required (or --password-stdin, or run "
                 "it in a terminal to be asked)\n";
    return 2;
  }

  if (auto p = username_problem(o.username)) {
    std::cerr << "seed-admin: --username: " << *p << "\n";
    return 2;
  }
  if (auto p = email_problem(o.email)) {
    std::cerr << "seed-admin: --email: " << *p << "\n";
    return 2;
  }
  if (auto p = password_problem(o.password)) {
    std::cerr << "seed-admin: --password: " << *p << "\n";
    return 2;
  }
  if (!parse_role(o.role)) {
    std::cerr << "seed-admin: --role: must be admin or viewer\n";
    return 2;
  }

  try {
    storage.migrate();
    UserStore& users = storage.users();
    const EpochMs now = SystemClock().now_ms();
    const std::string hash = hash_password(o.password);
    if (auto existing = users.find_by_username(o.username)) {
      UserChanges changes;
      changes.email = o.email;
      changes.role = o.role;
      changes.password_hash = hash;
      if (users.update(existing->id, changes, now) == UserWriteResult::last_admin) {
        std::cerr << "seed-admin: '" << o.username
                  << "' is the only admin and cannot become a viewer\n";
        return 1;
      }
      std::cout << "Updated user '" << o.username << "' (" << o.role << ")\n";
      return 0;
    }
    User user;
    user.username = o.username;
    user.email = o.email;
    user.role = o.role;
    user.password_hash = hash;
    user.created_at = now;
    user.updated_at = now;
    std::int64_t id = 0;
    if (users.create(user, id) != UserWriteResult::ok) {
      std::cerr << "seed-admin: user '" << o.username << "' was created concurrently\n";
      return 1;
    }
    std::cout << "Created user '" << o.username << "' (" << o.role << ", id " << id << ")\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "seed-admin: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace blazeiot
