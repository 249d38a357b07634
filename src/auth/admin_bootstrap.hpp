#pragma once
// Start-up decisions about secrets and the first account.
#include <future>
#include <string>

#include "auth/password_process.hpp"
#include "config/config.hpp"
#include "domain/system_log.hpp"
#include "storage/storage.hpp"

namespace blazeiot {

// Production (config.production()): throws ConfigError if JWT_SECRET is missing or weak (under
// 32 characters, a known example value, or too few distinct characters). Development without
// JWT_SECRET: generates a random secret once, keeps it in <DATA_DIR>/jwt_secret (mode 0600) and
// reuses it, so tokens survive restarts. Returns the secret to sign with.
std::string resolve_jwt_secret(const Config& config);

// Throws ConfigError naming the variable when production runs with a missing/weak JWT_SECRET
// or the default ADMIN_PASSWORD.
void check_production_safety(const Config& config);

// The platform's first start: when no user exists, creates ADMIN_USERNAME / ADMIN_PASSWORD /
// ADMIN_EMAIL as an admin on a thread of its own, so that hashing its password (Argon2id with
// 64 MiB, 0.1-0.5 s on a small machine) does not hold up ingest and the API.
// A login waits for it, so the account is there for the first login as before. The
// destructor waits for the thread; `passwords` must outlive this object.
class DefaultAdminCreation {
 public:
  DefaultAdminCreation(Storage& storage, const PasswordHashing& passwords, const Config& config,
                       SystemLog& log);
  // Whether no user existed, so the admin is being created.
  bool creating() const { return done_.valid(); }
  // Returns once the admin exists (or its creation failed, which is logged).
  void wait() const {
    if (done_.valid()) done_.wait();
  }

 private:
  std::shared_future<void> done_;
};

// Why a secret is not good enough, or empty when it is.
std::string jwt_secret_weakness(const std::string& secret);

}  // namespace blazeiot
