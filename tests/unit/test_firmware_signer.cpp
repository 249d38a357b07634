#include "ota/firmware_signer.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "../support/temp_dir.hpp"

namespace blazeiot {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string load_error(const fs::path& dir) {
  try {
    FirmwareSigner::load_or_create(dir);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(FirmwareSigner, CreatesAPrivateKeyAndPublishesThePublicKey) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "keys" / "ota";  // created on demand
  const FirmwareSigner signer = FirmwareSigner::load_or_create(dir);

  struct stat st {};
  ASSERT_EQ(::stat((dir / "ota_signing.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 64);
  EXPECT_EQ(read_file(dir / "ota_signing.pub"), signer.public_key_base64() + "\n");
  EXPECT_EQ(signer.public_key_base64().size(), 44u);  // 32 bytes, padded base64
  // No temporary files left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 2);
}

TEST(FirmwareSigner, ReloadGivesTheSameKey) {
  TempDir tmp;
  const std::string first = FirmwareSigner::load_or_create(tmp.path()).public_key_base64();
  fs::remove(tmp.path() / "ota_signing.pub");  // rewritten on the next start
  const FirmwareSigner again = FirmwareSigner::load_or_create(tmp.path());
  EXPECT_EQ(again.public_key_base64(), first);
  EXPECT_EQ(read_file(tmp.path() / "ota_signing.pub"), first + "\n");
  TempDir other;
  EXPECT_NE(FirmwareSigner::load_or_create(other.path()).public_key_base64(), first);
}

TEST(FirmwareSigner, SignAndVerify) {
  TempDir tmp;
  const FirmwareSigner signer = FirmwareSigner::load_or_create(tmp.path());
  const std::string manifest = firmware_manifest("esp32", "1.2.3", 1024, std::string(64, 'a'));
  const std::string sig = signer.sign(manifest);
  EXPECT_EQ(sig.size(), 88u);  // 64 bytes, padded base64
  const std::string pk = signer.public_key_base64();
  EXPECT_TRUE(FirmwareSigner::verify(manifest, sig, pk));
  EXPECT_EQ(signer.sign(manifest), sig);  // Ed25519 is deterministic

  std::string tampered = manifest;
  tampered[tampered.find("1.2.3")] = '9';
  EXPECT_FALSE(FirmwareSigner::verify(tampered, sig, pk));
  std::string bad_sig = sig;
  bad_sig[10] = bad_sig[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(FirmwareSigner::verify(manifest, bad_sig, pk));
  TempDir other;
  EXPECT_FALSE(FirmwareSigner::verify(
      manifest, sig, FirmwareSigner::load_or_create(other.path()).public_key_base64()));
  // Not base64, or the wrong length: false, not an exception.
  EXPECT_FALSE(FirmwareSigner::verify(manifest, "", pk));
  EXPECT_FALSE(FirmwareSigner::verify(manifest, sig, ""));
  EXPECT_FALSE(FirmwareSigner::verify(manifest, sig.substr(0, 84), pk));
  EXPECT_FALSE(FirmwareSigner::verify(manifest, sig + "AAAA", pk));
  EXPECT_FALSE(FirmwareSigner::verify(manifest, "!" + sig.substr(1), pk));
  EXPECT_FALSE(FirmwareSigner::verify(manifest, sig, pk + "\n"));
}

TEST(FirmwareSigner, RefusesAKeyOthersCanRead) {
  TempDir tmp;
  const fs::path key = tmp.path() / "ota_signing.key";
  FirmwareSigner::load_or_create(tmp.path());
  ASSERT_EQ(::chmod(key.c_str(), 0640), 0);
  const std::string error = load_error(tmp.path());
  EXPECT_NE(error.find(key.string()), std::string::npos) << error;
  EXPECT_NE(error.find("mode 0640"), std::string::npos) << error;
  EXPECT_NE(error.find("chmod 600"), std::string::npos) << error;
  ASSERT_EQ(::chmod(key.c_str(), 0604), 0);
  EXPECT_NE(load_error(tmp.path()), "");
  ASSERT_EQ(::chmod(key.c_str(), 0400), 0);  // read-only for the owner is fine
  EXPECT_EQ(load_error(tmp.path()), "");
}

TEST(FirmwareSigner, RefusesACorruptKey) {
  TempDir tmp;
  const fs::path key = tmp.path() / "ota_signing.key";
  FirmwareSigner::load_or_create(tmp.path());
  std::string bytes = read_file(key);
  auto write_key = [&](const std::string& content) {
    std::ofstream(key, std::ios::binary | std::ios::trunc) << content;
  };
  write_key(bytes.substr(0, 63));
  EXPECT_NE(load_error(tmp.path()).find("corrupt"), std::string::npos);
  write_key(bytes + "x");
  EXPECT_NE(load_error(tmp.path()).find("corrupt"), std::string::npos);
  bytes[40] ^= 1;  // the public half no longer matches the seed
  write_key(bytes);
  EXPECT_NE(load_error(tmp.path()).find("corrupt"), std::string::npos);
  fs::remove(key);
  fs::create_directory(key);
  EXPECT_NE(load_error(tmp.path()).find("not a regular file"), std::string::npos);
}

TEST(FirmwareSigner, ManifestHasFixedKeyOrder) {
  EXPECT_EQ(firmware_manifest("esp32-c3", "1.10.0-rc.1", 1048576, "ab12"),
            R"({"device_type":"esp32-c3","version":"1.10.0-rc.1","size":1048576,"sha256":"ab12"})");
  const std::string escaped = firmware_manifest("a\"b\\c\n", "1.0.0", 0, "");
  EXPECT_EQ(escaped, R"({"device_type":"a\"b\\c\n","version":"1.0.0","size":0,"sha256":""})");
  EXPECT_EQ(boost::json::parse(escaped).at("device_type").as_string(), "a\"b\\c\n");
}

}  // namespace
}  // namespace blazeiot
