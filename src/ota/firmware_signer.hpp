#pragma once
// The platform's Ed25519 key for signing firmware manifests, so a device can check that an
// image was published by this server and not swapped in transit or on a mirror. The secret key
// lives in a file beside the data (created on first start) and the public key is written next
// to it for flashing into devices.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace blazeiot {

class FirmwareSigner {
 public:
  static constexpr const char* kKeyFile = "ota_signing.key";  // 64-byte libsodium secret key
  static constexpr const char* kPublicFile = "ota_signing.pub";  // base64 public key + '\n'

  // Loads <dir>/ota_signing.key or, when there is none, creates it (creating `dir` if needed)
  // with mode 0600 via a temporary file and a rename, so a crash never leaves half a key.
  // Refreshes <dir>/ota_signing.pub. Throws std::runtime_error, naming the file and what to
  // do, when the key is not a regular file, is accessible by group or others, or is corrupt.
  static FirmwareSigner load_or_create(const std::filesystem::path& dir);

  FirmwareSigner(const FirmwareSigner&) = default;
  FirmwareSigner& operator=(const FirmwareSigner&) = default;
  ~FirmwareSigner();

  // Detached Ed25519 signature of `message`, standard base64 (with padding).
  std::string sign(std::string_view message) const;
  std::string public_key_base64() const;

  // False for a wrong signature and for anything that does not decode to a key or signature.
  static bool verify(std::string_view message, std::string_view signature_b64,
                     std::string_view public_key_b64);

 private:
  FirmwareSigner() = default;

  std::array<unsigned char, 64> secret_key_{};
  std::array<unsigned char, 32> public_key_{};
};

// The text that gets signed for an image: compact JSON with keys in this fixed order,
// {"device_type":..,"version":..,"size":..,"sha256":..}, so the bytes are reproducible.
std::string firmware_manifest(std::string_view device_type, std::string_view version,
                              std::int64_t size, std::string_view sha256_hex);

}  // namespace blazeiot
