#include "auth/jwt.hpp"

#include <openssl/crypto.h>
#include <sodium.h>

#include <boost/json.hpp>
#include <stdexcept>

#include "auth/sodium_init.hpp"

namespace blazeiot {
namespace json = boost::json;

namespace {

// Tokens larger than this are refused before any decoding work.
constexpr std::size_t kMaxTokenLength = 4096;

// A NumericDate in seconds. Values beyond the year 3000000 are refused so that converting
// to milliseconds cannot overflow.
std::optional<std::int64_t> int_claim(const json::object& o, std::string_view key) {
  constexpr std::int64_t kLimit = 100'000'000'000'000;
  auto it = o.find(key);
  if (it == o.end()) return std::nullopt;
  std::int64_t v = 0;
  if (auto* i = it->value().if_int64()) {
    v = *i;
  } else if (auto* d = it->value().if_double(); d && *d > -1e14 && *d < 1e14) {
    v = static_cast<std::int64_t>(*d);
  } else {
    return std::nullopt;
  }
  if (v <= -kLimit || v >= kLimit) return std::nullopt;
  return v;
}

const json::string* string_claim(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : it->value().if_string();
}

bool audience_matches(const json::object& o) {
  auto it = o.find("aud");
  if (it == o.end()) return false;
  if (auto* s = it->value().if_string()) return *s == kJwtAudience;
  if (auto* a = it->value().if_array()) {
    for (const auto& v : *a)
      if (auto* s = v.if_string(); s && *s == kJwtAudience) return true;
  }
  return false;
}

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

}  // namespace

const char* to_string(TokenError e) {
  switch (e) {
    case TokenError::malformed:
      return "malformed token";
    case TokenError::wrong_algorithm:
      return "unsupported token algorithm";
    case TokenError::bad_signature:
      return "invalid token signature";
    case TokenError::expired:
      return "token expired";
    case TokenError::not_yet_valid:
      return "token not yet valid";
    case TokenError::wrong_issuer:
      return "wrong token issuer";
    case TokenError::wrong_audience:
      return "wrong token audience";
  }
  return "invalid token";
}

std::string base64url_encode(std::string_view bytes) {
  ensure_sodium();
  constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  out.resize(out.size() - 1);  // the terminating NUL sodium writes
  return out;
}

bool base64url_decode(std::string_view text, std::string& out) {
  ensure_sodium();
  out.assign(text.size() * 3 / 4 + 3, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size())
    return false;
  out.resize(len);
  return true;
}

JwtCodec::JwtCodec(std::string secret, std::int64_t lifetime_s)
    : secret_(std::move(secret)), lifetime_s_(lifetime_s) {
  if (secret_.empty()) throw std::invalid_argument("JWT secret must not be empty");
}

std::string JwtCodec::sign(std::string_view signing_input) const {
  // libsodium rather than OpenSSL's HMAC(): OpenSSL 3 looks the algorithm up on every call,
  // which cost more than the rest of authenticating a request.
  ensure_sodium();
  crypto_auth_hmacsha256_state state;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret_.data()),
                              secret_.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(signing_input.data()),
                                signing_input.size());
  crypto_auth_hmacsha256_final(&state, mac);
  sodium_memzero(&state, sizeof state);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

std::string JwtCodec::issue(std::int64_t user_id, std::string_view username, std::string_view role,
                            EpochMs now) const {
  const std::int64_t iat = now / 1000;
  json::object payload;
  payload["sub"] = std::to_string(user_id);
  payload["id"] = user_id;
  payload["username"] = username;
  payload["role"] = role;
  payload["iat"] = iat;
  // The same instant to the millisecond: a password change revokes every token issued before
  // it, also those issued earlier in the same second (iat alone could not tell them apart
  // from the token the change itself hands out).
  payload["iat_ms"] = now;
  payload["exp"] = iat + lifetime_s_;
  payload["iss"] = kJwtIssuer;
  payload["aud"] = kJwtAudience;
  std::string input = base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." +
                      base64url_encode(json::serialize(payload));
  std::string signature = base64url_encode(sign(input));
  return input + "." + signature;
}

std::variant<TokenClaims, TokenError> JwtCodec::verify(std::string_view token, EpochMs now) const {
  if (token.size() > kMaxTokenLength) return TokenError::malformed;
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return TokenError::malformed;
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return TokenError::malformed;

  std::string header_text, payload_text, signature;
  if (!base64url_decode(token.substr(0, dot1), header_text)) return TokenError::malformed;
  auto header = parse_object(header_text);
  if (!header) return TokenError::malformed;
  const json::string* alg = string_claim(*header, "alg");
  if (!alg || *alg != "HS256") return TokenError::wrong_algorithm;
  if (header->contains("crit")) return TokenError::malformed;  // no extensions are understood

  if (!base64url_decode(token.substr(dot2 + 1), signature)) return TokenError::bad_signature;
  const std::string expected = sign(token.substr(0, dot2));
  if (signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0)
    return TokenError::bad_signature;

  if (!base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1), payload_text))
    return TokenError::malformed;
  auto payload = parse_object(payload_text);
  if (!payload) return TokenError::malformed;

  const std::int64_t now_s = now / 1000;
  auto exp = int_claim(*payload, "exp");
  if (!exp) return TokenError::malformed;
  if (now_s >= *exp) return TokenError::expired;
  if (auto nbf = int_claim(*payload, "nbf"); nbf && now_s < *nbf) return TokenError::not_yet_valid;
  const json::string* iss = string_claim(*payload, "iss");
  if (!iss || *iss != kJwtIssuer) return TokenError::wrong_issuer;
  if (!audience_matches(*payload)) return TokenError::wrong_audience;

  TokenClaims claims;
  const json::string* sub = string_claim(*payload, "sub");
  if (!sub) return TokenError::malformed;
  try {
    std::size_t used = 0;
    claims.user_id = std::stoll(std::string(*sub), &used);
    if (used != sub->size()) return TokenError::malformed;
  } catch (const std::exception&) {
    return TokenError::malformed;
  }
  if (auto* u = string_claim(*payload, "username")) claims.username = std::string(*u);
  if (auto* r = string_claim(*payload, "role")) claims.role = std::string(*r);
  const std::int64_t iat = int_claim(*payload, "iat").value_or(0);
  claims.issued_at = iat * 1000;
  // Only when it agrees with iat (tokens from before iat_ms existed have just iat).
  if (auto it = payload->find("iat_ms"); it != payload->end())
    if (auto* ms = it->value().if_int64(); ms && *ms / 1000 == iat) claims.issued_at = *ms;
  claims.expires_at = *exp * 1000;
  return claims;
}

}  // namespace blazeiot
