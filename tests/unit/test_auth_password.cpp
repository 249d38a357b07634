#include <gtest/gtest.h>
#include <sodium.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>

#include "auth/password_hasher.hpp"
#include "auth/password_process.hpp"
#include "core/fd_io.hpp"
#include "test_http_support.hpp"

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
  EXPECT_FALSE(is_current_hash(weak));
  EXPECT_TRUE(is_current_hash(hash_password(pw)));
}

TEST(Password, HashingTakesInteractiveTime) {
  auto start = std::chrono::steady_clock::now();
  const std::string hash = hash_password("timing");
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  // Deliberately slow enough to hurt guessing, fast enough for a login: libsodium's
  // interactive cost (64 MiB, two passes). The cost is checked in the hash rather than as an
  // upper bound on the time, which on a busy machine says more about the machine.
  EXPECT_GE(ms, 5);
  EXPECT_NE(hash.find("$m=65536,t=2,p=1$"), std::string::npos) << hash;
}

// The platform's own binary as the child, as `blazeiot serve` runs it.
TEST(PasswordChild, HashesAndVerifiesInTheRealBinary) {
  const PasswordHashing child(BLAZEIOT_EXECUTABLE);
  // Newlines and NUL bytes are part of the password, not of the request's framing.
  const std::string pw("line one\nline two\0after nul", 28);
  const std::string hash = child.hash(pw);
  ASSERT_TRUE(is_current_hash(hash)) << hash;
  EXPECT_TRUE(verify_password(pw, hash).ok);  // the same hash as in-process
  EXPECT_FALSE(verify_password(pw.substr(0, 8), hash).ok);
  const PasswordCheck good = child.verify(pw, hash);
  EXPECT_TRUE(good.ok);
  EXPECT_FALSE(good.needs_rehash);
  EXPECT_FALSE(child.verify(pw.substr(0, 8), hash).ok);
  EXPECT_FALSE(child.verify(pw, "not a hash").ok);
  const PasswordCheck legacy = child.verify("legacy-pass-123", kBcrypt2b);
  EXPECT_TRUE(legacy.ok);
  EXPECT_TRUE(legacy.needs_rehash);
  EXPECT_EQ(child.fallbacks(), 0u);  // every answer above came from the child
}

// A stand-in for the child: a script that reads the request and prints `answer`.
struct FakeWorker {
  explicit FakeWorker(const std::string& answer) {
    std::ofstream(path) << "#!/bin/sh\ncat >/dev/null\nprintf '%s' '" << answer << "'\n";
    EXPECT_EQ(::chmod(path.c_str(), 0700), 0);
  }
  testing::TempDir dir;
  std::string path = (dir.path() / "worker.sh").string();
};

// An answer that differs from the truth shows that the answer is the child's.
TEST(PasswordChild, UsesTheChildsAnswer) {
  FakeWorker worker("11");
  const PasswordHashing hashing(worker.path);
  const PasswordCheck check = hashing.verify("wrong", hash_password("right"));
  EXPECT_TRUE(check.ok);
  EXPECT_TRUE(check.needs_rehash);
  EXPECT_EQ(hashing.fallbacks(), 0u);
}

// No child can be started: the work is done in this process, never refused.
TEST(PasswordChild, HashesInThisProcessWhenNoChildStarts) {
  const PasswordHashing hashing("/nonexistent/blazeiot");
  const std::string hash = hash_password("right");
  EXPECT_TRUE(hashing.verify("right", hash).ok);
  EXPECT_FALSE(hashing.verify("wrong", hash).ok);
  const std::string made = hashing.hash("fresh");
  EXPECT_TRUE(is_current_hash(made));
  EXPECT_TRUE(verify_password("fresh", made).ok);
  EXPECT_EQ(hashing.fallbacks(), 3u);
}

// A child that fails, or answers what is not an answer, fails the call: nothing it printed
// is taken for a verdict or stored as a hash, and the 64 MiB are not spent here instead.
TEST(PasswordChild, AFailedChildFailsTheCall) {
  const std::string hash = hash_password("right");
  FakeWorker truncated("$argon2id$v=19$m=65536");
  FakeWorker chatty("yes");
  for (const std::string& exe : {std::string("/bin/false"), std::string("/bin/cat"),
                                 truncated.path, chatty.path}) {
    const PasswordHashing hashing(exe);
    EXPECT_THROW(hashing.hash("fresh"), std::runtime_error) << exe;
    EXPECT_THROW(hashing.verify("right", hash), std::runtime_error) << exe;
    EXPECT_EQ(hashing.fallbacks(), 0u) << exe;
  }
}

// The child's side, run here on a socket pair: malformed or oversized requests are refused.
int run_worker(const std::string& request, std::string* answer = nullptr) {
  int sv[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  UniqueFd ours(sv[0]);
  UniqueFd theirs(sv[1]);
  // Written in full before the worker reads: the socket buffer holds more than the limit.
  EXPECT_TRUE(write_all(ours.get(), request, /*to_socket=*/true));
  ::shutdown(ours.get(), SHUT_WR);
  const int rc = run_password_worker(theirs.get(), theirs.get());
  theirs.reset();
  const auto reply =
      read_to_end(ours.get(), 256, std::chrono::steady_clock::now() + std::chrono::seconds(5));
  if (answer) *answer = reply.value_or("");
  return rc;
}

TEST(PasswordChild, WorkerRefusesMalformedRequests) {
  for (const std::string& bad : {std::string(), std::string("H"), std::string("Hx"),
                                 std::string("X\npassword"), std::string("V\nno-newline")})
    EXPECT_EQ(run_worker(bad), 1) << bad;
  EXPECT_EQ(run_worker("H\n" + std::string(20000, 'p')), 1);
  std::string answer;
  EXPECT_EQ(run_worker(std::string("V\n") + kBcrypt2b + "\nlegacy-pass-123", &answer), 0);
  EXPECT_EQ(answer, "11");
}

}  // namespace
}  // namespace blazeiot
