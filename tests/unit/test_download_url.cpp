#include "ota/download_url.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <stdexcept>
#include <string>

namespace blazeiot {
namespace {

constexpr EpochMs kIssued = 1'700'000'000'000;
const std::string kPath = "/api/firmware/7/download";

struct Link {
  std::string expires;
  std::string signature;
};

Link split(const std::string& query) {
  const std::size_t amp = query.find('&');
  EXPECT_EQ(query.rfind("expires=", 0), 0u) << query;
  EXPECT_EQ(query.compare(amp, 11, "&signature="), 0) << query;
  return {query.substr(8, amp - 8), query.substr(amp + 11)};
}

TEST(DownloadUrl, ValidLink) {
  const DownloadSigner signer("server-secret");
  const std::string query = signer.query(kPath, kIssued + 3'600'000);
  const Link link = split(query);
  EXPECT_EQ(link.expires, "1700003600");
  EXPECT_EQ(link.signature.size(), 64u);
  EXPECT_EQ(link.signature.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_TRUE(signer.verify(kPath, link.expires, link.signature, kIssued));
  EXPECT_EQ(signer.query(kPath, kIssued + 3'600'000), query);  // deterministic
  // Another instance with the same secret (e.g. after a restart) accepts it too.
  EXPECT_TRUE(DownloadSigner("server-secret").verify(kPath, link.expires, link.signature, kIssued));
}

TEST(DownloadUrl, ExpiredLink) {
  const DownloadSigner signer("server-secret");
  const Link link = split(signer.query(kPath, kIssued + 1'999));  // rounded down to kIssued + 1 s
  EXPECT_EQ(link.expires, "1700000001");
  EXPECT_TRUE(signer.verify(kPath, link.expires, link.signature, kIssued + 999));
  EXPECT_FALSE(signer.verify(kPath, link.expires, link.signature, kIssued + 1'000));
  EXPECT_FALSE(signer.verify(kPath, link.expires, link.signature, kIssued + 1'000'000));
  const Link past = split(signer.query(kPath, kIssued - 1));
  EXPECT_FALSE(signer.verify(kPath, past.expires, past.signature, kIssued));
}

TEST(DownloadUrl, TamperedPath) {
  const DownloadSigner signer("server-secret");
  const Link link = split(signer.query(kPath, kIssued + 60'000));
  EXPECT_FALSE(signer.verify("/api/firmware/8/download", link.expires, link.signature, kIssued));
  EXPECT_FALSE(signer.verify(kPath + "/", link.expires, link.signature, kIssued));
  EXPECT_FALSE(signer.verify("", link.expires, link.signature, kIssued));
  // A different secret signs differently.
  EXPECT_FALSE(DownloadSigner("other-secret").verify(kPath, link.expires, link.signature, kIssued));
}

TEST(DownloadUrl, TamperedSignature) {
  const DownloadSigner signer("server-secret");
  const Link link = split(signer.query(kPath, kIssued + 60'000));
  std::string flipped = link.signature;
  flipped[0] = flipped[0] == '0' ? '1' : '0';
  EXPECT_FALSE(signer.verify(kPath, link.expires, flipped, kIssued));
  flipped = link.signature;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  EXPECT_FALSE(signer.verify(kPath, link.expires, flipped, kIssued));
  EXPECT_FALSE(signer.verify(kPath, link.expires, link.signature.substr(0, 62), kIssued));
  EXPECT_FALSE(signer.verify(kPath, link.expires, link.signature + "00", kIssued));
  EXPECT_FALSE(signer.verify(kPath, link.expires, "", kIssued));
  EXPECT_FALSE(signer.verify(kPath, link.expires, std::string(64, 'g'), kIssued));
  EXPECT_FALSE(signer.verify(kPath, link.expires, link.signature.substr(0, 63) + " ", kIssued));
  // Hex digits are case-insensitive: the same bytes, still valid.
  std::string upper = link.signature;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(signer.verify(kPath, link.expires, upper, kIssued));
}

TEST(DownloadUrl, MalformedExpires) {
  const DownloadSigner signer("server-secret");
  const Link link = split(signer.query(kPath, kIssued + 60'000));
  for (const std::string& expires : std::initializer_list<std::string>{
           std::string(), "0" + link.expires, "+" + link.expires, link.expires + " ",
        " " + link.expires, link.expires + ".0", "1e10", "abc", "-1",
        std::string("99999999999999999999"), std::string("9223372036854776")})
    EXPECT_FALSE(signer.verify(kPath, expires, link.signature, kIssued)) << expires;
  // A later expiry with the old signature is a forgery, not an extension.
  EXPECT_FALSE(signer.verify(kPath, std::to_string(std::stoll(link.expires) + 3600),
                             link.signature, kIssued));
}

TEST(DownloadUrl, EmptySecretIsRejected) {
  EXPECT_THROW(DownloadSigner(""), std::invalid_argument);
}

}  // namespace
}  // namespace blazeiot
