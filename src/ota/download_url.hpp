#pragma once
// Signed, expiring firmware download links. An OTA command tells a device where to fetch its
// image; devices hold no user token, so the URL itself carries the authorisation: an expiry and
// an HMAC over the path and that expiry, checked by the download route. A leaked link only
// grants that one file, and only until it expires.
#include <array>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace blazeiot {

class DownloadSigner {
 public:
  // `secret` is the server's secret (e.g. the JWT secret); links use a key derived from it,
  // HMAC-SHA256(secret, "blazeiot firmware download v1"), so no token MAC can be replayed as a
  // link MAC or the other way round. Throws std::invalid_argument for an empty secret.
  explicit DownloadSigner(std::string_view secret);
  ~DownloadSigner();

  // The query string for `path` (the URL path exactly as the route will see it), valid until
  // `expires_at` (whole seconds, rounded down): "expires=<unix seconds>&signature=<64 hex>".
  std::string query(std::string_view path, EpochMs expires_at) const;

  // True only for an intact, unexpired link: `expires` canonical decimal seconds later than
  // `now`, `signature` the 64 hex digits query() produced for this path (compared in constant
  // time).
  bool verify(std::string_view path, std::string_view expires, std::string_view signature,
              EpochMs now) const;

 private:
  std::array<unsigned char, 32> mac(std::string_view path, std::string_view expires) const;

  std::array<unsigned char, 32> key_{};
};

}  // namespace blazeiot
