#pragma once
// Password hashing: Argon2id (libsodium's crypto_pwhash_str) for everything new; bcrypt
// ($2a$/$2b$/$2y$) hashes from the original platform still verify and are marked for rehash.
// Hashing costs tens of milliseconds and 64 MiB by design: call it off the network threads.
#include <string>
#include <string_view>

namespace blazeiot {

struct PasswordCheck {
  bool ok = false;
  bool needs_rehash = false;  // verified, but stored with an outdated algorithm or cost
};

std::string hash_password(std::string_view password);
PasswordCheck verify_password(std::string_view password, std::string_view stored_hash);
// Whether `hash` is a well-formed Argon2id string with today's costs, as hash_password makes.
bool is_current_hash(std::string_view hash);

}  // namespace blazeiot
