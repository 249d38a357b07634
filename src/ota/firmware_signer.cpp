#include "ota/firmware_signer.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "auth/sodium_init.hpp"
#include "core/fd_io.hpp"

namespace blazeiot {

namespace {

namespace fs = std::filesystem;

static_assert(crypto_sign_SECRETKEYBYTES == 64 && crypto_sign_PUBLICKEYBYTES == 32);

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string to_base64(const unsigned char* data, std::size_t size) {
  constexpr int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_encoded_len(size, variant), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, variant);
  out.resize(out.size() - 1);  // the terminating NUL sodium writes
  return out;
}

// Strict: the whole text must be base64 of exactly `size` bytes.
bool from_base64(std::string_view text, unsigned char* out, std::size_t size) {
  std::size_t len = 0;
  const char* end = nullptr;
  return sodium_base642bin(out, size, text.data(), text.size(), nullptr, &len, &end,
                           sodium_base64_VARIANT_ORIGINAL) == 0 &&
         end == text.data() + text.size() && len == size;
}

// Writes `target` so that it either keeps its old content or has all of the new one: a
// temporary file in the same directory with `mode`, flushed, then renamed over the target.
void write_file_atomically(const fs::path& target, const unsigned char* data, std::size_t size,
                           mode_t mode) {
  unsigned char nonce[6];
  randombytes_buf(nonce, sizeof nonce);
  char hex[sizeof nonce * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, nonce, sizeof nonce);
  const fs::path temp = target.parent_path() / ("." + target.filename().string() + ".tmp-" + hex);

  // Created with `mode` from the start (never briefly world-readable); fchmod because the
  // umask could only have narrowed it, and the public key should be readable as stated.
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0)
    throw std::runtime_error("cannot create " + temp.string() + ": " + errno_text(errno));
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const bool ok = ::fchmod(fd.get(), mode) == 0 && write_all(fd.get(), bytes) &&
                  ::fsync(fd.get()) == 0 && ::close(fd.release()) == 0 &&
                  ::rename(temp.c_str(), target.c_str()) == 0;
  if (!ok) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw std::runtime_error("cannot write " + target.string() + ": " + errno_text(err));
  }
  // Make the rename itself durable: losing the key after firmware was signed with it would
  // strand every device that trusts it.
  sync_directory(target.parent_path().string());
}

}  // namespace

FirmwareSigner::~FirmwareSigner() { sodium_memzero(secret_key_.data(), secret_key_.size()); }

FirmwareSigner FirmwareSigner::load_or_create(const fs::path& dir) {
  ensure_sodium();
  fs::create_directories(dir);
  const fs::path key_path = dir / kKeyFile;
  FirmwareSigner signer;

  // The checks use the opened descriptor, so they are about the file actually read.
  UniqueFd fd(::open(key_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0 && errno != ENOENT)
    throw std::runtime_error("cannot open the OTA signing key " + key_path.string() + ": " +
                             errno_text(errno));
  if (fd.get() < 0) {
    crypto_sign_keypair(signer.public_key_.data(), signer.secret_key_.data());
    write_file_atomically(key_path, signer.secret_key_.data(), signer.secret_key_.size(), 0600);
  } else {
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
      throw std::runtime_error("cannot stat the OTA signing key " + key_path.string() + ": " +
                               errno_text(errno));
    if (!S_ISREG(st.st_mode))
      throw std::runtime_error("the OTA signing key " + key_path.string() +
                               " is not a regular file");
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
      throw std::runtime_error("the OTA signing key " + key_path.string() +
                               " is accessible by group or others (mode " +
                               octal_mode(st.st_mode) + "); restrict it with: chmod 600 " +
                               key_path.string());
    // Read one byte more than a key so that a longer file is noticed.
    unsigned char buf[crypto_sign_SECRETKEYBYTES + 1];
    std::size_t got = 0;
    while (got < sizeof buf) {
      const ssize_t n = ::read(fd.get(), buf + got, sizeof buf - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        throw std::runtime_error("cannot read the OTA signing key " + key_path.string() + ": " +
                                 errno_text(errno));
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    std::copy_n(buf, std::min(got, signer.secret_key_.size()), signer.secret_key_.begin());
    sodium_memzero(buf, sizeof buf);
    // A libsodium secret key is seed || public key; rederiving it from the seed catches a
    // truncated or damaged file before it signs anything.
    bool intact = got == crypto_sign_SECRETKEYBYTES;
    if (intact) {
      unsigned char seed[crypto_sign_SEEDBYTES];
      std::array<unsigned char, crypto_sign_SECRETKEYBYTES> check{};
      crypto_sign_ed25519_sk_to_seed(seed, signer.secret_key_.data());
      crypto_sign_seed_keypair(signer.public_key_.data(), check.data(), seed);
      intact = sodium_memcmp(check.data(), signer.secret_key_.data(), check.size()) == 0;
      sodium_memzero(seed, sizeof seed);
      sodium_memzero(check.data(), check.size());
    }
    if (!intact)
      throw std::runtime_error(
          "the OTA signing key " + key_path.string() +
          " is corrupt (expected a 64-byte Ed25519 secret key); restore it from a backup. "
          "Deleting it makes a new key, which devices holding the old public key will reject");
  }

  // Publish the public key beside it, rewriting only when it differs (the directory may be
  // read-only in a hardened deployment once the files exist).
  const std::string pub = signer.public_key_base64() + "\n";
  const fs::path pub_path = dir / kPublicFile;
  std::ifstream in(pub_path, std::ios::binary);
  std::ostringstream existing;
  if (in) existing << in.rdbuf();
  if (!in || existing.str() != pub)
    write_file_atomically(pub_path, reinterpret_cast<const unsigned char*>(pub.data()),
                          pub.size(), 0644);
  return signer;
}

std::string FirmwareSigner::sign(std::string_view message) const {
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), secret_key_.data());
  return to_base64(sig, sizeof sig);
}

std::string FirmwareSigner::public_key_base64() const {
  return to_base64(public_key_.data(), public_key_.size());
}

bool FirmwareSigner::verify(std::string_view message, std::string_view signature_b64,
                            std::string_view public_key_b64) {
  ensure_sodium();
  unsigned char sig[crypto_sign_BYTES];
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  if (!from_base64(signature_b64, sig, sizeof sig) ||
      !from_base64(public_key_b64, pk, sizeof pk))
    return false;
  return crypto_sign_verify_detached(sig, reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), pk) == 0;
}

std::string firmware_manifest(std::string_view device_type, std::string_view version,
                              std::int64_t size, std::string_view sha256_hex) {
  // boost::json::object keeps insertion order, which fixes the key order of the output.
  boost::json::object manifest;
  manifest.emplace("device_type", device_type);
  manifest.emplace("version", version);
  manifest.emplace("size", size);
  manifest.emplace("sha256", sha256_hex);
  return boost::json::serialize(manifest);
}

}  // namespace blazeiot
