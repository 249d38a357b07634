#include "ota/download_url.hpp"

#include <sodium.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "auth/sodium_init.hpp"

namespace blazeiot {

namespace {

constexpr std::string_view kKeyLabel = "blazeiot firmware download v1";

static_assert(crypto_auth_hmacsha256_BYTES == 32);

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

DownloadSigner::DownloadSigner(std::string_view secret) {
  if (secret.empty()) throw std::invalid_argument("download link secret must not be empty");
  ensure_sodium();
  // The _init form takes a key of any length (HMAC hashes long keys, pads short ones).
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, bytes(secret), secret.size());
  crypto_auth_hmacsha256_update(&state, bytes(kKeyLabel), kKeyLabel.size());
  crypto_auth_hmacsha256_final(&state, key_.data());
  sodium_memzero(&state, sizeof state);
}

DownloadSigner::~DownloadSigner() { sodium_memzero(key_.data(), key_.size()); }

// The expiry follows a newline; a path cannot move bytes into it, so (path, expires) pairs map
// to distinct messages.
std::array<unsigned char, 32> DownloadSigner::mac(std::string_view path,
                                                  std::string_view expires) const {
  std::array<unsigned char, 32> out{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key_.data(), key_.size());
  crypto_auth_hmacsha256_update(&state, bytes(path), path.size());
  crypto_auth_hmacsha256_update(&state, bytes("\n"), 1);
  crypto_auth_hmacsha256_update(&state, bytes(expires), expires.size());
  crypto_auth_hmacsha256_final(&state, out.data());
  return out;
}

std::string DownloadSigner::query(std::string_view path, EpochMs expires_at) const {
  // Floor division, so a link never outlives the moment asked for.
  EpochMs seconds = expires_at / 1000;
  if (expires_at % 1000 != 0 && expires_at < 0) --seconds;
  const std::string expires = std::to_string(seconds);
  const auto tag = mac(path, expires);
  char hex[crypto_auth_hmacsha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, tag.data(), tag.size());
  return "expires=" + expires + "&signature=" + hex;
}

bool DownloadSigner::verify(std::string_view path, std::string_view expires,
                            std::string_view signature, EpochMs now) const {
  // Canonical decimal only (no sign, no leading zeros): every expiry has one spelling.
  if (expires.empty() || (expires.size() > 1 && expires.front() == '0')) return false;
  std::int64_t seconds = 0;
  auto [end, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), seconds);
  if (ec != std::errc() || end != expires.data() + expires.size() || seconds < 0 ||
      seconds > std::numeric_limits<EpochMs>::max() / 1000)  // must fit in milliseconds
    return false;
  if (now >= seconds * 1000) return false;

  if (signature.size() != crypto_auth_hmacsha256_BYTES * 2) return false;
  unsigned char given[crypto_auth_hmacsha256_BYTES];
  std::size_t len = 0;
  const char* hex_end = nullptr;
  if (sodium_hex2bin(given, sizeof given, signature.data(), signature.size(), nullptr, &len,
                     &hex_end) != 0 ||
      len != sizeof given || hex_end != signature.data() + signature.size())
    return false;
  const auto expected = mac(path, expires);
  return sodium_memcmp(given, expected.data(), expected.size()) == 0;
}

}  // namespace blazeiot
