#pragma once
// `blazeiot seed-admin`: creates (or resets) an account from flags, stdin or prompts.
#include <string>

#include "config/config.hpp"
#include "storage/storage.hpp"

namespace blazeiot {

struct SeedAdminOptions {
  std::string username, email, password;
  bool password_stdin = false;
  std::string role = "admin";
};

// With a terminal and missing values, prompts (password hidden, asked twice). Without a
// terminal, missing values are an error. An existing user of that name gets the new password,
// e-mail and role. Returns the process exit code: 0 done, 1 refused or failed, 2 bad usage.
int run_seed_admin(Storage& storage, const Config& config, const SeedAdminOptions& options);

}  // namespace blazeiot
