#include "auth/admin_bootstrap.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "auth/password_process.hpp"
#include "auth/sodium_init.hpp"
#include "core/clock.hpp"
#include "core/thread_name.hpp"

namespace blazeiot {
namespace {

constexpr std::size_t kMinSecretLength = 32;
constexpr const char* kDefaultAdminPassword = "admin123";

// Example values from READMEs and .env templates that people paste unchanged.
constexpr std::array<const char*, 10> kKnownSecrets = {
    "your_secure_secret_key_here",
    "use_a_very_long_random_string_here",
    "your_super_secret_jwt_key_change_this_in_production",
    "blazeiot-secret-key-change-in-production",
    "blazeiot_jwt_secret_change_in_production",
    "change_this_to_a_long_random_secret_in_production",
    "your-256-bit-secret",
    "your_jwt_secret_key_here_change_in_production",
    "super_secret_jwt_key_please_change_me_now",
    "changeme_changeme_changeme_changeme",
};

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

std::string random_hex_secret() {
  ensure_sodium();
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

std::string read_secret_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return trim(ss.str());
}

// Creates the file readable by its owner only; false (errno set) when it cannot.
bool write_private_file(const std::filesystem::path& path, const std::string& content,
                        bool exclusive) {
  int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC), 0600);
  if (fd < 0) return false;
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  return ok;
}

}  // namespace

std::string jwt_secret_weakness(const std::string& secret) {
  if (secret.size() < kMinSecretLength)
    return "must be at least " + std::to_string(kMinSecretLength) + " characters";
  for (const char* known : kKnownSecrets)
    if (secret == known) return "is a published example value";
  std::set<char> distinct(secret.begin(), secret.end());
  if (distinct.size() < 8) return "has too few distinct characters";
  return {};
}

void check_production_safety(const Config& config) {
  if (!config.production()) return;
  if (config.jwt_secret.empty())
    throw ConfigError("JWT_SECRET: must be set in production (at least 32 random characters)");
  if (std::string why = jwt_secret_weakness(config.jwt_secret); !why.empty())
    throw ConfigError("JWT_SECRET: " + why + "; use at least 32 random characters in production");
  if (config.admin_password == kDefaultAdminPassword)
    throw ConfigError("ADMIN_PASSWORD: the default password is refused in production");
}

std::string resolve_jwt_secret(const Config& config) {
  if (!config.jwt_secret.empty()) {
    if (config.production()) check_production_safety(config);
    return config.jwt_secret;
  }
  if (config.production())
    throw ConfigError("JWT_SECRET: must be set in production (at least 32 random characters)");

  const std::filesystem::path dir(config.data_dir);
  std::filesystem::create_directories(dir);
  const std::filesystem::path path = dir / "jwt_secret";
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (std::string existing = read_secret_file(path); existing.size() >= kMinSecretLength)
      return existing;
    const std::string secret = random_hex_secret();
    if (!std::filesystem::exists(path)) {
      // O_EXCL: when another process creates the file first, the next round reads theirs.
      if (write_private_file(path, secret, /*exclusive=*/true)) return secret;
      if (errno == EEXIST) continue;
    } else {
      // An unusable (empty or short) file: replace it in one step.
      const std::filesystem::path tmp = dir / "jwt_secret.tmp";
      ::unlink(tmp.c_str());
      if (write_private_file(tmp, secret, /*exclusive=*/true) &&
          ::rename(tmp.c_str(), path.c_str()) == 0)
        return secret;
    }
    break;
  }
  throw std::runtime_error("cannot keep the generated JWT secret in " + path.string() + ": " +
                           std::strerror(errno));
}

namespace {

// Creates the configured admin, unless the name was taken meanwhile (another instance
// starting on the same database).
void create_default_admin(UserStore& users, const PasswordHashing& passwords, const Config& config,
                          SystemLog& log) {
  const EpochMs now = SystemClock().now_ms();
  User admin;
  admin.username = config.admin_username;
  admin.email = config.admin_email;
  admin.role = "admin";
  admin.password_hash = passwords.hash(config.admin_password);
  admin.created_at = now;
  admin.updated_at = now;
  std::int64_t id = 0;
  if (users.create(admin, id) != UserWriteResult::ok) return;
  log.info("auth", "system", "Default admin user '" + admin.username + "' created");
  if (config.admin_password == kDefaultAdminPassword)
    log.warn("auth", "system",
             "The default admin password is in use; change it (PUT /api/auth/password)");
}

}  // namespace

DefaultAdminCreation::DefaultAdminCreation(Storage& storage, const PasswordHashing& passwords,
                                           const Config& config, SystemLog& log) {
  UserStore& users = storage.users();
  if (users.count() > 0) return;
  done_ = std::async(std::launch::async, [&users, &passwords, &config, &log] {
            name_this_thread("admin-create");
            try {
              create_default_admin(users, passwords, config, log);
            } catch (const std::exception& e) {
              log.error("auth", "system", std::string("cannot create the default admin: ") + e.what());
            }
          }).share();
}

}  // namespace blazeiot
