#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>

#include "auth/jwt.hpp"

namespace blazeiot {
namespace {

constexpr EpochMs kJwtNow = 1'700'000'000'000;

std::string part(const std::string& token, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
  return token.substr(start, token.find('.', start) - start);
}

std::string decode(const std::string& b64) {
  std::string out;
  EXPECT_TRUE(base64url_decode(b64, out));
  return out;
}

// A token with the given header and payload parts and a given signature part.
std::string forge(const std::string& header, const std::string& payload,
                  const std::string& signature_b64) {
  return base64url_encode(header) + "." + base64url_encode(payload) + "." + signature_b64;
}

TokenError error_of(const std::variant<TokenClaims, TokenError>& v) {
  EXPECT_TRUE(std::holds_alternative<TokenError>(v));
  return std::holds_alternative<TokenError>(v) ? std::get<TokenError>(v) : TokenError::malformed;
}

TEST(Jwt, RoundTripCarriesClaims) {
  JwtCodec codec("0123456789abcdef0123456789abcdef", 3600);
  std::string token = codec.issue(42, "alice", "viewer", kJwtNow);
  auto v = codec.verify(token, kJwtNow + 1000);
  ASSERT_TRUE(std::holds_alternative<TokenClaims>(v));
  const auto& c = std::get<TokenClaims>(v);
  EXPECT_EQ(c.user_id, 42);
  EXPECT_EQ(c.username, "alice");
  EXPECT_EQ(c.role, "viewer");
  EXPECT_EQ(c.expires_at, kJwtNow + 3600 * 1000);

  auto header = boost::json::parse(decode(part(token, 0))).as_object();
  EXPECT_EQ(header.at("alg").as_string(), "HS256");
  auto payload = boost::json::parse(decode(part(token, 1))).as_object();
  EXPECT_EQ(payload.at("iss").as_string(), "blazeiot");
  EXPECT_EQ(payload.at("aud").as_string(), "blazeiot-api");
  EXPECT_EQ(payload.at("exp").as_int64() - payload.at("iat").as_int64(), 3600);
}

TEST(Jwt, RejectsAlgNone) {
  JwtCodec codec("0123456789abcdef0123456789abcdef", 3600);
  std::string genuine = codec.issue(1, "admin", "admin", kJwtNow);
  std::string payload = decode(part(genuine, 1));
  // Unsigned, with and without an empty signature part, in any letter case.
  for (const char* alg : {"none", "None", "NONE"}) {
    std::string header = std::string(R"({"alg":")") + alg + R"(","typ":"JWT"})";
    EXPECT_EQ(error_of(codec.verify(forge(header, payload, ""), kJwtNow)),
              TokenError::wrong_algorithm);
    EXPECT_EQ(error_of(codec.verify(forge(header, payload, part(genuine, 2)), kJwtNow)),
              TokenError::wrong_algorithm);
  }
}

TEST(Jwt, RejectsOtherAlgorithmsEvenWithAValidLookingSignature) {
  JwtCodec codec("0123456789abcdef0123456789abcdef", 3600);
  std::string genuine = codec.issue(1, "admin", "admin", kJwtNow);
  std::string payload = decode(part(genuine, 1));
  for (const char* alg : {"HS512", "RS256", "ES256", "hs256"}) {
    std::string header = std::string(R"({"alg":")") + alg + R"(","typ":"JWT"})";
    EXPECT_EQ(error_of(codec.verify(forge(header, payload, part(genuine, 2)), kJwtNow)),
              TokenError::wrong_algorithm)
        << alg;
  }
  EXPECT_EQ(error_of(codec.verify(forge(R"({"typ":"JWT"})", payload, part(genuine, 2)), kJwtNow)),
            TokenError::wrong_algorithm);
}

TEST(Jwt, RejectsTamperedSignatureAndPayload) {
  JwtCodec codec("0123456789abcdef0123456789abcdef", 3600);
  std::string token = codec.issue(7, "bob", "viewer", kJwtNow);
  std::string sig = part(token, 2);
  sig[3] = sig[3] == 'A' ? 'B' : 'A';
  std::string tampered = token.substr(0, token.rfind('.') + 1) + sig;
  EXPECT_EQ(error_of(codec.verify(tampered, kJwtNow)), TokenError::bad_signature);

  // Promote the viewer to admin, keep the old signature.
  std::string payload = decode(part(token, 1));
  auto pos = payload.find("\"viewer\"");
  ASSERT_NE(pos, std::string::npos);
  payload.replace(pos, 8, "\"admin\"");
  std::string promoted = base64url_encode(decode(part(token, 0))) + "." +
                         base64url_encode(payload) + "." + part(token, 2);
  EXPECT_EQ(error_of(codec.verify(promoted, kJwtNow)), TokenError::bad_signature);

  // Signed with another key.
  JwtCodec other("another-secret-another-secret-000", 3600);
  EXPECT_EQ(error_of(codec.verify(other.issue(7, "bob", "viewer", kJwtNow), kJwtNow)),
            TokenError::bad_signature);
}

TEST(Jwt, RejectsExpiredToken) {
  JwtCodec codec("0123456789abcdef0123456789abcdef", 60);
  std::string token = codec.issue(1, "a", "admin", kJwtNow);
  EXPECT_TRUE(std::holds_alternative<TokenClaims>(codec.verify(token, kJwtNow + 59'000)));
  EXPECT_EQ(error_of(codec.verify(token, kJwtNow + 60'000)), TokenError::expired);
  EXPECT_EQ(error_of(codec.verify(token, kJwtNow + 86'400'000)), TokenError::expired);
}

// An HS256 token over arbitrary claims, signed independently of JwtCodec (OpenSSL directly),
// to check what verify() makes of claims JwtCodec::issue would never produce.
std::string sign_claims(const std::string& secret, const boost::json::object& payload) {
  std::string input = base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." +
                      base64url_encode(boost::json::serialize(payload));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + base64url_encode(std::string(reinterpret_cast<char*>(mac), len));
}

boost::json::object good_claims() {
  return boost::json::object{
      {"sub", "5"},           {"username", "u"},          {"role", "admin"},
      {"iat", kJwtNow / 1000},   {"exp", kJwtNow / 1000 + 600}, {"iss", "blazeiot"},
      {"aud", "blazeiot-api"}};
}

TEST(Jwt, IssueTimeIsKeptToTheMillisecond) {
  const std::string secret = "0123456789abcdef0123456789abcdef";
  JwtCodec codec(secret, 3600);
  // A password change revokes tokens issued before it within the same second too.
  auto v = codec.verify(codec.issue(42, "alice", "viewer", kJwtNow + 250), kJwtNow + 1000);
  ASSERT_TRUE(std::holds_alternative<TokenClaims>(v));
  EXPECT_EQ(std::get<TokenClaims>(v).issued_at, kJwtNow + 250);

  // A token without it (issued by an earlier version) counts from the start of its second;
  // one whose iat_ms disagrees with iat is read by iat alone.
  auto issued_at = [&](const boost::json::object& claims) {
    auto r = codec.verify(sign_claims(secret, claims), kJwtNow + 1000);
    return std::holds_alternative<TokenClaims>(r) ? std::get<TokenClaims>(r).issued_at : -1;
  };
  auto without = good_claims();
  without["iat"] = kJwtNow / 1000;
  EXPECT_EQ(issued_at(without), kJwtNow);
  auto disagreeing = without;
  disagreeing["iat_ms"] = kJwtNow + 5000;
  EXPECT_EQ(issued_at(disagreeing), kJwtNow);
}

TEST(Jwt, ChecksAudienceAndIssuer) {
  const std::string secret = "0123456789abcdef0123456789abcdef";
  JwtCodec codec(secret, 3600);
  auto sign = [&](const boost::json::object& claims) { return sign_claims(secret, claims); };
  EXPECT_TRUE(std::holds_alternative<TokenClaims>(codec.verify(sign(good_claims()), kJwtNow)));

  auto wrong_aud = good_claims();
  wrong_aud["aud"] = "some-other-api";
  EXPECT_EQ(error_of(codec.verify(sign(wrong_aud), kJwtNow)), TokenError::wrong_audience);
  auto no_aud = good_claims();
  no_aud.erase("aud");
  EXPECT_EQ(error_of(codec.verify(sign(no_aud), kJwtNow)), TokenError::wrong_audience);
  auto aud_list = good_claims();
  aud_list["aud"] = boost::json::array{"x", "blazeiot-api"};
  EXPECT_TRUE(std::holds_alternative<TokenClaims>(codec.verify(sign(aud_list), kJwtNow)));

  auto wrong_iss = good_claims();
  wrong_iss["iss"] = "someone-else";
  EXPECT_EQ(error_of(codec.verify(sign(wrong_iss), kJwtNow)), TokenError::wrong_issuer);

  auto no_exp = good_claims();
  no_exp.erase("exp");
  EXPECT_EQ(error_of(codec.verify(sign(no_exp), kJwtNow)), TokenError::malformed);

  auto future = good_claims();
  future["nbf"] = kJwtNow / 1000 + 300;
  EXPECT_EQ(error_of(codec.verify(sign(future), kJwtNow)), TokenError::not_yet_valid);

  auto bad_sub = good_claims();
  bad_sub["sub"] = "5; DROP TABLE users";
  EXPECT_EQ(error_of(codec.verify(sign(bad_sub), kJwtNow)), TokenError::malformed);

  auto huge_exp = good_claims();
  huge_exp["exp"] = 9'000'000'000'000'000'000.0;
  EXPECT_EQ(error_of(codec.verify(sign(huge_exp), kJwtNow)), TokenError::malformed);
}

TEST(Jwt, RejectsMalformedInput) {
  JwtCodec codec("0123456789abcdef0123456789abcdef", 3600);
  for (std::string bad :
       {std::string(""), std::string("abc"), std::string("a.b"), std::string("a.b.c.d"),
        std::string("!!!.???.***"), std::string(5000, 'a') + ".b.c",
        base64url_encode("[1,2]") + "." + base64url_encode("{}") + ".x"}) {
    auto v = codec.verify(bad, kJwtNow);
    EXPECT_TRUE(std::holds_alternative<TokenError>(v)) << bad.substr(0, 40);
  }
}

TEST(Jwt, Base64UrlIsStrict) {
  std::string out;
  EXPECT_TRUE(base64url_decode(base64url_encode("hello?>"), out));
  EXPECT_EQ(out, "hello?>");
  EXPECT_FALSE(base64url_decode("aGVsbG8=", out));  // padding is not part of base64url in JWTs
  EXPECT_FALSE(base64url_decode("aGV+bG8", out));   // '+' belongs to the other alphabet
}

}  // namespace
}  // namespace blazeiot
