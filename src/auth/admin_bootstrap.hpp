#pragma once
// Start-up decisions about secrets and the first account.
#include <string>

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

// Creates ADMIN_USERNAME / ADMIN_PASSWORD / ADMIN_EMAIL as an admin when no user exists.
// Returns "created" or "exists".
std::string ensure_default_admin(Storage& storage, const Config& config, SystemLog& log);

// Why a secret is not good enough, or empty when it is.
std::string jwt_secret_weakness(const std::string& secret);

}  // namespace blazeiot
