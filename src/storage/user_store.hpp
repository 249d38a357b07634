#pragma once
// User accounts. The role is "admin" or "viewer"; the rules that protect the last admin are
// enforced here, inside one transaction, so two concurrent requests cannot both pass them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace blazeiot {

struct User {
  std::int64_t id = 0;
  std::string username;
  std::string email;
  std::string password_hash;
  std::string role;
  EpochMs created_at = 0;
  EpochMs updated_at = 0;
  std::optional<EpochMs> last_login;
  // Tokens issued before this instant (ms; compared with a token's iat_ms claim) are no
  // longer accepted; moved forward whenever the password is changed.
  EpochMs tokens_valid_after = 0;

  // Whether a token issued at `issued_at` (ms) was revoked by a later password change. The
  // one place the REST API and the live stream decide it.
  bool token_revoked(EpochMs issued_at) const { return issued_at < tokens_valid_after; }
};

struct UserChanges {
  std::optional<std::string> email;
  std::optional<std::string> role;
  std::optional<std::string> password_hash;
};

enum class UserWriteResult { ok, not_found, username_taken, last_admin };

class UserStore {
 public:
  virtual ~UserStore() = default;

  virtual std::int64_t count() = 0;
  virtual std::vector<User> list() = 0;
  virtual std::optional<User> find_by_id(std::int64_t id) = 0;
  virtual std::optional<User> find_by_username(std::string_view username) = 0;

  // On ok, id is the new user's id.
  virtual UserWriteResult create(const User& user, std::int64_t& id) = 0;
  // Refuses (last_admin) to take the admin role from the only admin. A new password_hash
  // also revokes the user's tokens issued before `now`.
  virtual UserWriteResult update(std::int64_t id, const UserChanges& changes, EpochMs now) = 0;
  // Refuses (last_admin) to remove the only admin.
  virtual UserWriteResult remove(std::int64_t id) = 0;
  // Only when the stored hash is still `expected` (a concurrent change wins).
  virtual void replace_password_hash(std::int64_t id, std::string_view expected,
                                     std::string_view new_hash, EpochMs now) = 0;
  virtual void record_login(std::int64_t id, EpochMs at) = 0;
};

}  // namespace blazeiot
