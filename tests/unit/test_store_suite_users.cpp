// User accounts and the rules that protect the last admin, on every backend.
#include <gtest/gtest.h>

#include <thread>

#include "../support/store_backends.hpp"

using namespace blazeiot;
using namespace blazeiot::test;

template <class Backend>
class UserStoreSuite : public StoreTest<Backend> {
 protected:
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
  UserStore& users() { return this->storage().users(); }
};
TYPED_TEST_SUITE(UserStoreSuite, StoreBackends, BackendNames);

TYPED_TEST(UserStoreSuite, CreateFindList) {
  EXPECT_EQ(this->users().count(), 0);
  auto a = this->add("alice", "admin");
  auto b = this->add("bob", "viewer");
  EXPECT_NE(a, b);
  User dup;
  dup.username = "alice";
  dup.role = "viewer";
  dup.password_hash = "x";
  std::int64_t id = -1;
  EXPECT_EQ(this->users().create(dup, id), UserWriteResult::username_taken);
  EXPECT_EQ(id, -1);
  EXPECT_EQ(this->users().count(), 2);
  auto bob = this->users().find_by_username("bob");
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->id, b);
  EXPECT_EQ(bob->email, "bob@x.io");
  EXPECT_EQ(bob->role, "viewer");
  EXPECT_EQ(bob->password_hash, "h-bob");
  EXPECT_FALSE(bob->last_login);
  EXPECT_EQ(this->users().find_by_id(a)->username, "alice");
  EXPECT_FALSE(this->users().find_by_username("Alice"));
  EXPECT_FALSE(this->users().find_by_id(b + 100));
  auto all = this->users().list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, a);
}

TYPED_TEST(UserStoreSuite, TheLastAdminIsProtected) {
  auto a = this->add("alice", "admin");
  auto b = this->add("bob", "viewer");
  UserChanges demote;
  demote.role = "viewer";
  EXPECT_EQ(this->users().update(a, demote, 2), UserWriteResult::last_admin);
  EXPECT_EQ(this->users().remove(a), UserWriteResult::last_admin);
  EXPECT_EQ(this->users().remove(b), UserWriteResult::ok);
  auto c = this->add("carol", "admin");
  EXPECT_EQ(this->users().update(a, demote, 2), UserWriteResult::ok);
  EXPECT_EQ(this->users().find_by_id(a)->role, "viewer");
  EXPECT_EQ(this->users().find_by_id(a)->updated_at, 2);
  EXPECT_EQ(this->users().remove(c), UserWriteResult::last_admin);
  EXPECT_EQ(this->users().remove(999), UserWriteResult::not_found);
  EXPECT_EQ(this->users().update(999, demote, 2), UserWriteResult::not_found);
}

TYPED_TEST(UserStoreSuite, TwoAdminsDemotedAtOnceLeaveOneAdmin) {
  // With two admins each demotion alone is allowed; two at once (from two instances) must
  // not both be. Every round starts with exactly two admins.
  auto other = this->open_another();
  auto count_admins = [&] {
    std::int64_t n = 0;
    for (const User& u : this->users().list()) n += u.role == "admin";
    return n;
  };
  UserChanges demote;
  demote.role = "viewer";
  std::int64_t survivor = this->add("admin0", "admin");
  for (int round = 1; round <= 10; ++round) {
    std::int64_t newcomer = this->add("admin" + std::to_string(round), "admin");
    UserWriteResult first{}, second{};
    std::thread t1([&] { first = this->users().update(survivor, demote, round); });
    std::thread t2([&] { second = other->users().update(newcomer, demote, round); });
    t1.join();
    t2.join();
    EXPECT_EQ((first == UserWriteResult::ok) + (second == UserWriteResult::ok), 1)
        << "round " << round;
    ASSERT_EQ(count_admins(), 1) << "round " << round;
    if (first == UserWriteResult::ok) survivor = newcomer;
  }
}

TYPED_TEST(UserStoreSuite, PasswordReplacementIsConditionalAndLoginIsRecorded) {
  auto a = this->add("alice", "admin");
  this->users().replace_password_hash(a, "stale", "new-1", 5);
  EXPECT_EQ(this->users().find_by_id(a)->password_hash, "h-alice");
  this->users().replace_password_hash(a, "h-alice", "new-2", 5);
  EXPECT_EQ(this->users().find_by_id(a)->password_hash, "new-2");
  EXPECT_EQ(this->users().find_by_id(a)->updated_at, 5);
  this->users().record_login(a, 77);
  EXPECT_EQ(this->users().find_by_id(a)->last_login, 77);
}

TYPED_TEST(UserStoreSuite, NewPasswordRevokesEarlierTokensOnly) {
  auto a = this->add("alice", "admin");
  EXPECT_EQ(this->users().find_by_id(a)->tokens_valid_after, 0);
  UserChanges email;
  email.email = "a2@x.io";
  ASSERT_EQ(this->users().update(a, email, 10'500), UserWriteResult::ok);
  EXPECT_EQ(this->users().find_by_id(a)->tokens_valid_after, 0);
  UserChanges password;
  password.password_hash = "h2";
  ASSERT_EQ(this->users().update(a, password, 12'345), UserWriteResult::ok);
  EXPECT_EQ(this->users().find_by_id(a)->tokens_valid_after, 12'345);
  // A rehash at login (same password, new algorithm) keeps the sessions.
  this->users().replace_password_hash(a, "h2", "h3", 20'000);
  EXPECT_EQ(this->users().find_by_id(a)->tokens_valid_after, 12'345);
}
