#include <gtest/gtest.h>

#include <thread>

#include "storage/cached_user_store.hpp"

namespace blazeiot {
namespace {

// One user whose role the test changes behind the cache's back, counting lookups.
class CountingUsers final : public UserStore {
 public:
  int lookups = 0;
  std::string role = "admin";
  std::function<void()> during_lookup;

  std::int64_t count() override { return 1; }
  std::vector<User> list() override { return {}; }
  std::optional<User> find_by_id(std::int64_t id) override {
    ++lookups;
    User u;
    u.id = id;
    u.role = role;
    if (during_lookup) during_lookup();
    if (id != 1) return std::nullopt;
    return u;
  }
  std::optional<User> find_by_username(std::string_view) override { return std::nullopt; }
  UserWriteResult create(const User&, std::int64_t& id) override {
    id = 2;
    return UserWriteResult::ok;
  }
  UserWriteResult update(std::int64_t, const UserChanges& c, EpochMs) override {
    if (c.role) role = *c.role;
    return UserWriteResult::ok;
  }
  UserWriteResult remove(std::int64_t) override { return UserWriteResult::ok; }
  void replace_password_hash(std::int64_t, std::string_view, std::string_view, EpochMs) override {}
  void record_login(std::int64_t, EpochMs) override {}
};

TEST(CachedUserStore, RepeatedLookupsWithinTheTtlReadOnce) {
  CountingUsers inner;
  // Long enough that a busy machine cannot expire it between the lookups below.
  CachedUserStore users(inner, std::chrono::milliseconds(2000));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(users.find_by_id(1)->role, "admin");
  EXPECT_FALSE(users.find_by_id(9));
  EXPECT_FALSE(users.find_by_id(9));  // absence is remembered too
  EXPECT_EQ(inner.lookups, 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  users.find_by_id(1);
  EXPECT_EQ(inner.lookups, 3);  // expired
}

TEST(CachedUserStore, AWriteThroughItAppliesToTheNextLookup) {
  CountingUsers inner;
  CachedUserStore users(inner);
  EXPECT_EQ(users.find_by_id(1)->role, "admin");
  UserChanges demote;
  demote.role = "viewer";
  users.update(1, demote, 0);
  EXPECT_EQ(users.find_by_id(1)->role, "viewer");
  users.find_by_id(1);
  EXPECT_EQ(inner.lookups, 2);
  for (auto write : std::initializer_list<std::function<void()>>{
           [&] { users.remove(1); }, [&] { users.replace_password_hash(1, "a", "b", 0); },
           [&] { users.record_login(1, 0); },
           [&] {
             std::int64_t id = 0;
             users.create(User{}, id);
           }}) {
    const int before = inner.lookups;
    write();
    users.find_by_id(1);
    EXPECT_EQ(inner.lookups, before + 1);
  }
}

TEST(CachedUserStore, ALookupThatRacedAWriteIsNotKept) {
  CountingUsers inner;
  CachedUserStore users(inner);
  // The write lands while the lookup is reading: what it read may be the old row.
  inner.during_lookup = [&] {
    inner.during_lookup = nullptr;
    UserChanges demote;
    demote.role = "viewer";
    users.update(1, demote, 0);
  };
  users.find_by_id(1);
  EXPECT_EQ(users.find_by_id(1)->role, "viewer");
  EXPECT_EQ(inner.lookups, 2);
}

}  // namespace
}  // namespace blazeiot
