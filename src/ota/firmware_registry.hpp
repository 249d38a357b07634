#pragma once
// The firmware files in UPLOAD_DIR and their records. Files arrive in UPLOAD_DIR/.incoming
// under a random name, are flushed to disk and renamed into place only once the record can
// be written, so a crash or an interrupted upload never leaves a half file that looks
// complete. Stored names are chosen here; a client's file name never becomes a path.
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "domain/ota.hpp"
#include "domain/system_log.hpp"
#include "ota/firmware_signer.hpp"
#include "storage/firmware_store.hpp"
#include "storage/ota_store.hpp"

namespace blazeiot {

// A file being received. Removed when destroyed unless the registry took it.
class IncomingFile {
 public:
  IncomingFile() = default;
  IncomingFile(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  IncomingFile(IncomingFile&& other) noexcept;
  IncomingFile& operator=(IncomingFile&& other) noexcept;
  ~IncomingFile();

  bool write(std::string_view bytes);  // false on a write error (disk full)
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }
  void release();  // the file was renamed away: nothing to clean up

 private:
  void discard();
  std::filesystem::path path_;
  int fd_ = -1;
};

struct FirmwareFields {
  std::string version;
  std::string device_type;
  std::string description;
  std::string uploaded_by;
  std::string sha256;  // hex, computed while receiving
  std::int64_t size = 0;
};

class FirmwareRegistry {
 public:
  FirmwareRegistry(std::filesystem::path upload_dir, FirmwareStore& firmware, OtaStore& ota,
                   const FirmwareSigner& signer, SystemLog& log, const Clock& clock);

  // Creates the directories and removes what an interrupted upload left in .incoming.
  void prepare();
  // A new file in .incoming (throws std::runtime_error when the directory is unusable).
  IncomingFile create_incoming();
  // Free bytes on the upload file system.
  std::uint64_t free_space() const;

  enum class AddOutcome { added, duplicate, io_error };
  struct AddResult {
    AddOutcome outcome;
    Firmware firmware;
  };
  // Flushes the file, signs its manifest, renames it into place and records it.
  AddResult add(IncomingFile file, const FirmwareFields& fields);

  enum class RemoveOutcome { removed, not_found, in_use };
  RemoveOutcome remove(std::int64_t id, const std::string& by);

  // The newest by semantic version, among those for device_type.
  std::optional<Firmware> latest(const std::string& device_type);
  // The firmware for `device_type` (or, when the device has no type, the only one) with this
  // version.
  std::optional<Firmware> resolve(const std::string& version, const std::string& device_type);
  std::optional<Firmware> find(std::int64_t id) { return firmware_.find(id); }
  std::vector<Firmware> list(std::optional<std::string_view> device_type) {
    return firmware_.list(device_type);
  }
  std::filesystem::path path_of(const Firmware& firmware) const;
  // The firmware a stored file name belongs to (downloads by name); nothing for names that
  // are not ours.
  std::optional<Firmware> find_by_filename(std::string_view filename);

  const FirmwareSigner& signer() const { return signer_; }

 private:
  std::filesystem::path upload_dir_;
  std::filesystem::path incoming_dir_;
  FirmwareStore& firmware_;
  OtaStore& ota_;
  const FirmwareSigner& signer_;
  SystemLog& log_;
  const Clock& clock_;
  std::mutex remove_mutex_;  // a delete and the in-use check it depends on, one at a time
};

}  // namespace blazeiot
