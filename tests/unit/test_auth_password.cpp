#include <gtest/gtest.h>
#include <sodium.h>

#include <chrono>

#include "auth/password_hasher.hpp"

namespace blazeiot {
namespace {

// Made with Python's crypt module (libxcrypt): crypt.crypt("legacy-pass-123", salt).
constexpr const char* kBcrypt2b = "$2b$10$4OVUeDCVtKb4t6MoMYhTh.0jVZ5oJkIt4y1TtDAq5AYehFscitcgG";
constexpr const char* kBcrypt2a = "$2a$10$abcdefghijklmnopqrstuuaYwl/px07G8TwwGqO1dywxHjYjiuYoq";
constexpr const char* kBcrypt2y = "$2y$10$abcdefghijklmnopqrstuuaYwl/px07G8TwwGqO1dywxHjYjiuYoq";

TEST(Password, Argon2idRoundTrip) {
  std::string hash = hash_password("correct horse battery");
  EXPECT_TRUE(hash.starts_with("$argon2id$")) << hash;
  auto ok = verify_password("correct horse battery", hash);
  EXPECT_TRUE(ok.ok);
  EXPECT_FALSE(ok.needs_rehash);
  EXPECT_FALSE(verify_password("correct horse batterY", hash).ok);
  EXPECT_FALSE(verify_password("", hash).ok);
}

TEST(Password, SaltsDiffer) {
  EXPECT_NE(hash_password("same password"), hash_password("same password"));
}

TEST(Password, LegacyBcryptVerifiesAndAsksForRehash) {
  for (const char* hash : {kBcrypt2b, kBcrypt2a, kBcrypt2y}) {
    auto ok = verify_password("legacy-pass-123", hash);
    EXPECT_TRUE(ok.ok) << hash;
    EXPECT_TRUE(ok.needs_rehash) << hash;
    EXPECT_FALSE(verify_password("legacy-pass-124", hash).ok) << hash;
    EXPECT_FALSE(verify_password("legacy-pass-12", hash).ok) << hash;
  }
}

TEST(Password, NulByteCannotTruncateABcryptPassword) {
  EXPECT_FALSE(verify_password(std::string("legacy-pass-123\0extra", 21), kBcrypt2b).ok);
}

TEST(Password, UnknownOrDamagedHashesNeverVerify) {
  for (const char* hash : {"", "plain-text-password", "$1$abc$def", "*", "$2b$10$short",
                           "$argon2id$v=19$m=65536,t=2,p=1$broken"}) {
    EXPECT_FALSE(verify_password("plain-text-password", hash).ok) << hash;
  }
}

TEST(Password, Argon2idWithWeakerCostsIsRehashed) {
  ASSERT_GE(sodium_init(), 0);
  char weak[crypto_pwhash_STRBYTES];
  const std::string pw = "pw-for-cost-test";
  ASSERT_EQ(crypto_pwhash_str(weak, pw.data(), pw.size(), crypto_pwhash_OPSLIMIT_MIN,
                              crypto_pwhash_MEMLIMIT_MIN),
            0);
  auto check = verify_password(pw, weak);
  EXPECT_TRUE(check.ok);
  EXPECT_TRUE(check.needs_rehash);
  EXPECT_FALSE(verify_password(pw, hash_password(pw)).needs_rehash);
}

TEST(Password, HashingTakesInteractiveTime) {
  auto start = std::chrono::steady_clock::now();
  hash_password("timing");
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  // Deliberately slow enough to hurt guessing, fast enough for a login.
  EXPECT_GE(ms, 5);
  EXPECT_LE(ms, 2000);
}

}  // namespace
}  // namespace blazeiot
