#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "auth/admin_bootstrap.hpp"
#include "auth/password_hasher.hpp"
#include "test_http_support.hpp"

namespace blazeiot {
namespace {

using testing::RecordingLog;
using testing::TempDir;

Config production_config() {
  Config c;
  c.node_env = "production";
  c.jwt_secret = "q7Vx2LpR9sKd4TgW1mZc8NbY3hJf6AeU0oIi5rXs";
  c.admin_password = "a-strong-admin-password";
  return c;
}

template <class Fn>
std::string config_error_of(Fn fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ProductionSafety, AcceptsAStrongConfiguration) {
  EXPECT_NO_THROW(check_production_safety(production_config()));
  EXPECT_EQ(resolve_jwt_secret(production_config()), production_config().jwt_secret);
}

TEST(ProductionSafety, RefusesMissingOrWeakSecret) {
  Config missing = production_config();
  missing.jwt_secret.clear();
  EXPECT_NE(config_error_of([&] { check_production_safety(missing); }).find("JWT_SECRET"),
            std::string::npos);
  EXPECT_NE(config_error_of([&] { resolve_jwt_secret(missing); }).find("JWT_SECRET"),
            std::string::npos);

  for (std::string weak :
       {std::string("short-secret"), std::string("use_a_very_long_random_string_here"),
        std::string(40, 'a'), std::string("abababababababababababababababababab")}) {
    Config c = production_config();
    c.jwt_secret = weak;
    EXPECT_NE(config_error_of([&] { check_production_safety(c); }).find("JWT_SECRET"),
              std::string::npos)
        << weak;
  }
}

TEST(ProductionSafety, RefusesTheDefaultAdminPassword) {
  Config c = production_config();
  c.admin_password = "admin123";
  EXPECT_NE(config_error_of([&] { check_production_safety(c); }).find("ADMIN_PASSWORD"),
            std::string::npos);
}

TEST(ProductionSafety, DevelopmentIsNotChecked) {
  Config c;
  c.jwt_secret = "short";
  EXPECT_NO_THROW(check_production_safety(c));
}

TEST(JwtSecret, DevelopmentGeneratesOnceKeepsPrivateAndReuses) {
  TempDir dir;
  Config c;
  c.data_dir = (dir.path() / "state").string();
  std::string first = resolve_jwt_secret(c);
  EXPECT_GE(first.size(), 32u);
  auto path = dir.path() / "state" / "jwt_secret";
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(resolve_jwt_secret(c), first);

  TempDir other;
  c.data_dir = other.path().string();
  EXPECT_NE(resolve_jwt_secret(c), first);
}

TEST(JwtSecret, ReplacesAnUnusableFile) {
  TempDir dir;
  Config c;
  c.data_dir = dir.path().string();
  std::ofstream(dir.path() / "jwt_secret") << "tiny\n";
  std::string secret = resolve_jwt_secret(c);
  EXPECT_GE(secret.size(), 32u);
  EXPECT_EQ(resolve_jwt_secret(c), secret);
}

TEST(JwtSecret, ExplicitSecretWins) {
  TempDir dir;
  Config c;
  c.data_dir = dir.path().string();
  c.jwt_secret = "explicit-secret-explicit-secret-explicit";
  EXPECT_EQ(resolve_jwt_secret(c), c.jwt_secret);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "jwt_secret"));
}

// A migrated, empty SQLite database and the admin settings to create.
class DefaultAdmin : public ::testing::Test {
 protected:
  void SetUp() override { storage.migrate(); }

  TempDir dir;
  SqliteStorage storage{(dir.path() / "a.db").string()};
  RecordingLog log;
  PasswordHashing passwords;
  Config c;
};

TEST_F(DefaultAdmin, CreatedOnceWithTheConfiguredValues) {
  c.admin_username = "root-user";
  c.admin_password = "root-password-1";
  c.admin_email = "root@example.com";
  {
    DefaultAdminCreation first(storage, passwords, c, log);
    EXPECT_TRUE(first.creating());
    first.wait();
  }
  EXPECT_FALSE(DefaultAdminCreation(storage, passwords, c, log).creating());
  auto users = storage.users().list();
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0].username, "root-user");
  EXPECT_EQ(users[0].email, "root@example.com");
  EXPECT_EQ(users[0].role, "admin");
  EXPECT_TRUE(verify_password("root-password-1", users[0].password_hash).ok);
  EXPECT_EQ(users[0].password_hash.find("root-password-1"), std::string::npos);
  ASSERT_FALSE(log.entries().empty());
  for (const auto& e : log.entries())
    EXPECT_EQ(e.message.find("root-password-1"), std::string::npos);
}

TEST_F(DefaultAdmin, CreatedInTheBackgroundOnlyWhenNoUserExists) {
  c.admin_username = "first-admin";
  c.admin_password = "first-password-1";
  {
    DefaultAdminCreation first(storage, passwords, c, log);
    EXPECT_TRUE(first.creating());
    first.wait();
    auto admin = storage.users().find_by_username("first-admin");
    ASSERT_TRUE(admin.has_value());
    EXPECT_TRUE(verify_password("first-password-1", admin->password_hash).ok);
  }
  DefaultAdminCreation again(storage, passwords, c, log);
  EXPECT_FALSE(again.creating());
  again.wait();  // returns at once
  EXPECT_EQ(storage.users().count(), 1);
}

}  // namespace
}  // namespace blazeiot
