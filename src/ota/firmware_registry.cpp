#include "ota/firmware_registry.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/fd_io.hpp"
#include "core/free_space.hpp"
#include "domain/semver.hpp"
#include "auth/sodium_init.hpp"

namespace blazeiot {
namespace fs = std::filesystem;

IncomingFile::IncomingFile(IncomingFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {
  other.path_.clear();
}

IncomingFile& IncomingFile::operator=(IncomingFile&& other) noexcept {
  if (this != &other) {
    discard();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    other.path_.clear();
  }
  return *this;
}

IncomingFile::~IncomingFile() { discard(); }

bool IncomingFile::write(std::string_view bytes) { return write_all(fd_, bytes); }

void IncomingFile::release() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  path_.clear();
}

void IncomingFile::discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!path_.empty()) {
    std::error_code ec;
    fs::remove(path_, ec);
    path_.clear();
  }
}

namespace {

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                 raw.size());
  hex.pop_back();
  return hex;
}

}  // namespace

FirmwareRegistry::FirmwareRegistry(fs::path upload_dir, FirmwareStore& firmware, OtaStore& ota,
                                   const FirmwareSigner& signer, SystemLog& log,
                                   const Clock& clock)
    : upload_dir_(std::move(upload_dir)),
      incoming_dir_(upload_dir_ / ".incoming"),
      firmware_(firmware),
      ota_(ota),
      signer_(signer),
      log_(log),
      clock_(clock) {
  ensure_sodium();
}

void FirmwareRegistry::prepare() {
  std::error_code ec;
  fs::create_directories(incoming_dir_, ec);
  if (ec)
    throw std::runtime_error("UPLOAD_DIR: cannot create " + incoming_dir_.string() + ": " +
                             ec.message());
  for (const auto& entry : fs::directory_iterator(incoming_dir_, ec)) {
    std::error_code rec;
    fs::remove(entry.path(), rec);
  }
}

IncomingFile FirmwareRegistry::create_incoming() {
  fs::path path = incoming_dir_ / ("upload-" + random_hex(12) + ".part");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) {
    throw std::runtime_error("cannot create " + path.string() + ": " + std::strerror(errno));
  }
  return IncomingFile(std::move(path), fd);
}

std::uint64_t FirmwareRegistry::free_space() const {
  return blazeiot::free_space(upload_dir_.string()).value_or(0);
}

FirmwareRegistry::AddResult FirmwareRegistry::add(IncomingFile file, const FirmwareFields& f) {
  AddResult result{AddOutcome::io_error, {}};
  if (!file.is_open() || ::fsync(file.fd()) != 0) return result;

  Firmware fw;
  fw.version = f.version;
  fw.device_type = f.device_type;
  fw.description = f.description;
  fw.size = f.size;
  fw.sha256 = f.sha256;
  fw.uploaded_by = f.uploaded_by;
  fw.created_at = clock_.now_ms();
  // Readable for whoever looks at the directory, unique whatever the client sent.
  fw.filename = f.device_type + "_" + f.version + "_" + random_hex(4) + ".bin";
  fw.manifest = firmware_manifest(fw.device_type, fw.version, fw.size, fw.sha256);
  fw.signature = signer_.sign(fw.manifest);

  const fs::path final_path = upload_dir_ / fw.filename;
  if (::rename(file.path().c_str(), final_path.c_str()) != 0) return result;
  file.release();
  sync_directory(upload_dir_.string());

  std::optional<Firmware> stored;
  try {
    stored = firmware_.create(fw);
  } catch (...) {
    std::error_code ec;
    fs::remove(final_path, ec);
    throw;
  }
  if (!stored) {
    std::error_code ec;
    fs::remove(final_path, ec);
    result.outcome = AddOutcome::duplicate;
    return result;
  }
  boost::json::object details{{"firmware_id", stored->id},
                              {"device_type", stored->device_type},
                              {"version", stored->version},
                              {"size", stored->size},
                              {"sha256", stored->sha256}};
  log_.info("ota", f.uploaded_by,
            "Firmware " + stored->device_type + " " + stored->version + " uploaded",
            boost::json::serialize(details));
  result.outcome = AddOutcome::added;
  result.firmware = std::move(*stored);
  return result;
}

FirmwareRegistry::RemoveOutcome FirmwareRegistry::remove(std::int64_t id, const std::string& by) {
  std::lock_guard lock(remove_mutex_);
  auto fw = firmware_.find(id);
  if (!fw) return RemoveOutcome::not_found;
  if (ota_.firmware_in_use(id)) return RemoveOutcome::in_use;
  if (!firmware_.remove(id)) return RemoveOutcome::not_found;
  std::error_code ec;
  fs::remove(path_of(*fw), ec);
  log_.info("ota", by, "Firmware " + fw->device_type + " " + fw->version + " deleted",
            boost::json::serialize(boost::json::object{{"firmware_id", id}}));
  return RemoveOutcome::removed;
}

std::optional<Firmware> FirmwareRegistry::latest(const std::string& device_type) {
  std::optional<Firmware> best;
  std::optional<SemVer> best_version;
  for (Firmware& fw : firmware_.list(std::string_view(device_type))) {
    auto v = parse_semver(fw.version);
    if (!v) continue;
    if (!best_version || compare_semver(*v, *best_version) > 0) {
      best_version = v;
      best = std::move(fw);
    }
  }
  return best;
}

std::optional<Firmware> FirmwareRegistry::resolve(const std::string& version,
                                                  const std::string& device_type) {
  std::vector<Firmware> all = firmware_.find_version(version);
  for (Firmware& fw : all)
    if (fw.device_type == device_type) return std::move(fw);
  if (device_type.empty() && all.size() == 1) return std::move(all.front());
  return std::nullopt;
}

fs::path FirmwareRegistry::path_of(const Firmware& firmware) const {
  return upload_dir_ / firmware.filename;
}

std::optional<Firmware> FirmwareRegistry::find_by_filename(std::string_view filename) {
  for (Firmware& fw : firmware_.list(std::nullopt))
    if (fw.filename == filename) return std::move(fw);
  return std::nullopt;
}

}  // namespace blazeiot
