#include "auth/password_hasher.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <sodium.h>

#include <memory>
#include <stdexcept>

#include "auth/sodium_init.hpp"

namespace blazeiot {
namespace {

// libsodium's interactive costs: 2 passes over 64 MiB, tens of milliseconds per hash.
constexpr unsigned long long kOpsLimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr std::size_t kMemLimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;

bool is_bcrypt(std::string_view h) {
  return h.size() == 60 &&
         (h.starts_with("$2a$") || h.starts_with("$2b$") || h.starts_with("$2y$"));
}

bool verify_bcrypt(std::string_view password, std::string_view stored) {
  // crypt_rn takes C strings: a password with a NUL would be cut short, so refuse it.
  if (password.find('\0') != std::string_view::npos) return false;
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: keep it off the stack
  const std::string pw(password), setting(stored);
  const char* out = crypt_rn(pw.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
  if (out == nullptr || out[0] == '*') return false;
  const std::string_view result(out);
  return result.size() == stored.size() &&
         CRYPTO_memcmp(result.data(), stored.data(), stored.size()) == 0;
}

}  // namespace

std::string hash_password(std::string_view password) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), kOpsLimit, kMemLimit) != 0)
    throw std::runtime_error("password hashing ran out of memory");
  return out;
}

bool is_current_hash(std::string_view hash) {
  ensure_sodium();
  if (hash.size() >= crypto_pwhash_STRBYTES || !hash.starts_with("$argon2id$")) return false;
  const std::string s(hash);
  return crypto_pwhash_str_needs_rehash(s.c_str(), kOpsLimit, kMemLimit) == 0;
}

PasswordCheck verify_password(std::string_view password, std::string_view stored) {
  ensure_sodium();
  PasswordCheck check;
  if (stored.starts_with("$argon2id$")) {
    const std::string s(stored);
    check.ok = crypto_pwhash_str_verify(s.c_str(), password.data(), password.size()) == 0;
    check.needs_rehash =
        check.ok && crypto_pwhash_str_needs_rehash(s.c_str(), kOpsLimit, kMemLimit) != 0;
  } else if (is_bcrypt(stored)) {
    check.ok = verify_bcrypt(password, stored);
    check.needs_rehash = check.ok;
  }
  return check;
}

}  // namespace blazeiot
