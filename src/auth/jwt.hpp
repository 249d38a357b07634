#pragma once
// JSON Web Tokens, HS256 only. The algorithm is pinned: a token whose header names any other
// algorithm (including "none") is rejected before its signature is looked at.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "core/clock.hpp"

namespace blazeiot {

inline constexpr std::string_view kJwtIssuer = "blazeiot";
inline constexpr std::string_view kJwtAudience = "blazeiot-api";

struct TokenClaims {
  std::int64_t user_id = 0;
  std::string username;
  std::string role;
  EpochMs issued_at = 0;
  EpochMs expires_at = 0;
};

enum class TokenError {
  malformed,
  wrong_algorithm,
  bad_signature,
  expired,
  not_yet_valid,
  wrong_issuer,
  wrong_audience,
};
const char* to_string(TokenError e);

class JwtCodec {
 public:
  // secret: the HMAC key; lifetime_s: how long an issued token is valid.
  JwtCodec(std::string secret, std::int64_t lifetime_s);

  std::string issue(std::int64_t user_id, std::string_view username, std::string_view role,
                    EpochMs now) const;
  std::variant<TokenClaims, TokenError> verify(std::string_view token, EpochMs now) const;

  std::int64_t lifetime_s() const { return lifetime_s_; }

 private:
  std::string sign(std::string_view signing_input) const;

  std::string secret_;
  std::int64_t lifetime_s_;
};

// base64url without padding (RFC 7515 §2); decoding is strict and returns false on any
// character outside the alphabet or on padding.
std::string base64url_encode(std::string_view bytes);
bool base64url_decode(std::string_view text, std::string& out);

}  // namespace blazeiot
