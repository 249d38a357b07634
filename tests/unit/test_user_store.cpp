#include <gtest/gtest.h>

#include "test_http_support.hpp"

namespace blazeiot {
namespace {

using testing::TempDir;

class SqliteUserTest : public ::testing::Test {
 protected:
  void SetUp() override { storage.migrate(); }
  std::int64_t add(const std::string& name, const std::string& role) {
    User u;
    u.username = name;
    u.email = name + "@x.io";
    u.role = role;
    u.password_hash = "h-" + name;
    u.created_at = u.updated_at = 1;
    std::int64_t id = 0;
    EXPECT_EQ(users().create(u, id), UserWriteResult::ok);
    return id;
  }
  UserStore& users() { return storage.users(); }
  TempDir dir;
  SqliteStorage storage{(dir.path() / "u.db").string()};
};

TEST_F(SqliteUserTest, CreateFindList) {
  EXPECT_EQ(users().count(), 0);
  auto a = add("alice", "admin");
  auto b = add("bob", "viewer");
  EXPECT_NE(a, b);
  User dup;
  dup.username = "alice";
  dup.role = "viewer";
  dup.password_hash = "x";
  std::int64_t id = 0;
  EXPECT_EQ(users().create(dup, id), UserWriteResult::username_taken);
  EXPECT_EQ(users().count(), 2);
  EXPECT_EQ(users().find_by_username("bob")->id, b);
  EXPECT_EQ(users().find_by_id(a)->username, "alice");
  EXPECT_FALSE(users().find_by_username("Alice"));
  EXPECT_EQ(users().list().size(), 2u);
}

TEST_F(SqliteUserTest, TheLastAdminIsProtected) {
  auto a = add("alice", "admin");
  auto b = add("bob", "viewer");
  UserChanges demote;
  demote.role = "viewer";
  EXPECT_EQ(users().update(a, demote, 2), UserWriteResult::last_admin);
  EXPECT_EQ(users().remove(a), UserWriteResult::last_admin);
  EXPECT_EQ(users().remove(b), UserWriteResult::ok);
  auto c = add("carol", "admin");
  EXPECT_EQ(users().update(a, demote, 2), UserWriteResult::ok);
  EXPECT_EQ(users().remove(c), UserWriteResult::last_admin);
  EXPECT_EQ(users().remove(999), UserWriteResult::not_found);
  EXPECT_EQ(users().update(999, demote, 2), UserWriteResult::not_found);
}

TEST_F(SqliteUserTest, PasswordReplacementIsConditional) {
  auto a = add("alice", "admin");
  users().replace_password_hash(a, "stale", "new-1", 5);
  EXPECT_EQ(users().find_by_id(a)->password_hash, "h-alice");
  users().replace_password_hash(a, "h-alice", "new-2", 5);
  EXPECT_EQ(users().find_by_id(a)->password_hash, "new-2");
  users().record_login(a, 77);
  EXPECT_EQ(users().find_by_id(a)->last_login, 77);
}

}  // namespace
}  // namespace blazeiot
