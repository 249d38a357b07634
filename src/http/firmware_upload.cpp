// POST /api/ota/firmware: the body is streamed into UPLOAD_DIR/.incoming while its SHA-256 is
// computed, so memory stays flat whatever the file size; validation of the metadata, the
// duplicate check and the rename into place happen once the body is complete.
#include <sodium.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "core/identifier.hpp"
#include "domain/semver.hpp"
#include "http/body_sink.hpp"
#include "http/multipart_parser.hpp"
#include "http/ota_api.hpp"
#include "http/ota_views.hpp"

namespace blazeiot {

namespace {

constexpr std::size_t kMaxFieldBytes = 1024;
constexpr std::size_t kMaxDescription = 1000;
// Uploads stop while the file system keeps at least this much free for the database and logs.
constexpr std::uint64_t kDiskReserve = 64ull * 1024 * 1024;
constexpr std::uint64_t kSpaceCheckEvery = 4ull * 1024 * 1024;

bool is_device_type(std::string_view s) {
  // Starts with a letter or digit: never ".", ".." or a hidden name in the stored file name.
  return !s.empty() && s.size() <= 64 && is_alnum_or(s.substr(0, 1), "") &&
         is_alnum_or(s, "_-.");
}

bool has_control_chars(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 && c != '\t') return true;
  return false;
}

using Fields = std::map<std::string, std::string, std::less<>>;

void check_fields(const Fields& fields, std::vector<FieldError>& errors) {
  auto get = [&](std::string_view name) -> const std::string* {
    auto it = fields.find(name);
    return it == fields.end() ? nullptr : &it->second;
  };
  const std::string* version = get("version");
  if (!version || version->empty()) {
    errors.push_back({"version", "is required"});
  } else if (!parse_semver(*version)) {
    errors.push_back({"version", "must be a semantic version such as 1.2.3"});
  }
  const std::string* type = get("device_type");
  if (!type || type->empty()) {
    errors.push_back({"device_type", "is required"});
  } else if (!is_device_type(*type)) {
    errors.push_back({"device_type", "must be 1-64 letters, digits, '_', '-' or '.'"});
  }
  if (const std::string* d = get("description")) {
    if (d->size() > kMaxDescription || has_control_chars(*d))
      errors.push_back({"description", "must be at most 1000 characters without control characters"});
  }
}

class FirmwareUpload final : public BodySink, private MultipartParser::Sink {
 public:
  FirmwareUpload(OtaApi& api, IncomingFile file, std::optional<std::string> boundary,
                 Fields query_fields)
      : api_(api),
        file_(std::move(file)),
        max_size_(api.services.config.max_firmware_size),
        fields_(std::move(query_fields)) {
    crypto_hash_sha256_init(&sha_);
    if (boundary) {
      parser_.emplace(*boundary, static_cast<MultipartParser::Sink&>(*this));
    } else {
      file_seen_ = true;  // the whole body is the file
    }
  }

  bool write(std::string_view bytes) override {
    if (error_) return false;
    if (!parser_) return add_file_bytes(bytes);
    if (parser_->feed(bytes)) return true;
    if (!error_) error_ = error_result(400, parser_->error());
    return false;
  }

  ApiResult complete(ApiRequest& request) override {
    if (error_) return *error_;
    if (parser_ && !parser_->finish()) return error_result(400, parser_->error());
    std::vector<FieldError> errors;
    if (!file_seen_) {
      errors.push_back({"file", "is required"});
    } else if (size_ == 0) {
      errors.push_back({"file", "must not be empty"});
    }
    check_fields(fields_, errors);
    if (!errors.empty()) return validation_result(errors);

    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&sha_, digest);
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);

    FirmwareFields f;
    f.version = fields_["version"];
    f.device_type = fields_["device_type"];
    f.description = fields_["description"];
    f.uploaded_by = request.user ? request.user->username : "";
    f.sha256 = hex;
    f.size = static_cast<std::int64_t>(size_);
    auto added = api_.registry.add(std::move(file_), f);
    switch (added.outcome) {
      case FirmwareRegistry::AddOutcome::added:
        return item_result(to_json(added.firmware), 201);
      case FirmwareRegistry::AddOutcome::duplicate:
        return error_result(409, "Firmware " + f.version + " for device type " + f.device_type +
                                     " already exists");
      case FirmwareRegistry::AddOutcome::io_error:
        break;
    }
    return error_result(500, "The firmware file could not be stored");
  }

  ApiResult error() const override {
    return error_ ? *error_ : error_result(400, "Upload refused");
  }

 private:
  bool refuse(ApiResult r) {
    error_ = std::move(r);
    return false;
  }

  bool add_file_bytes(std::string_view bytes) {
    size_ += bytes.size();
    if (size_ > max_size_) {
      return refuse(error_result(413, "Firmware file larger than " + std::to_string(max_size_) +
                                          " bytes (MAX_FIRMWARE_SIZE)"));
    }
    if (size_ - last_space_check_ >= kSpaceCheckEvery || last_space_check_ == 0) {
      last_space_check_ = size_;
      if (api_.registry.free_space() < kDiskReserve)
        return refuse(error_result(507, "Not enough free disk space for the firmware file"));
    }
    crypto_hash_sha256_update(&sha_, reinterpret_cast<const unsigned char*>(bytes.data()),
                              bytes.size());
    if (!file_.write(bytes)) {
      return refuse(error_result(errno == ENOSPC ? 507 : 500,
                                 std::string("Cannot write the firmware file: ") +
                                     std::strerror(errno)));
    }
    return true;
  }

  bool on_part_begin(const MultipartPartInfo& part) override {
    if (part.name == "file") {
      if (file_seen_) return refuse(validation_result({{"file", "only one file per upload"}}));
      file_seen_ = in_file_ = true;
      return true;
    }
    if (part.name != "version" && part.name != "device_type" && part.name != "description")
      return refuse(validation_result({{part.name, "is not a field of a firmware upload"}}));
    if (fields_.count(part.name))
      return refuse(validation_result({{part.name, "is given more than once"}}));
    field_ = part.name;
    fields_[field_];
    return true;
  }

  bool on_part_data(std::string_view bytes) override {
    if (in_file_) return add_file_bytes(bytes);
    std::string& value = fields_[field_];
    if (value.size() + bytes.size() > kMaxFieldBytes)
      return refuse(validation_result({{field_, "is too long"}}));
    value.append(bytes);
    return true;
  }

  bool on_part_end() override {
    in_file_ = false;
    field_.clear();
    return true;
  }

  OtaApi& api_;
  IncomingFile file_;
  std::uint64_t max_size_;
  Fields fields_;
  std::optional<MultipartParser> parser_;
  crypto_hash_sha256_state sha_{};
  std::uint64_t size_ = 0;
  std::uint64_t last_space_check_ = 0;
  bool file_seen_ = false;
  bool in_file_ = false;
  std::string field_;
  std::optional<ApiResult> error_;
};

}  // namespace

std::unique_ptr<BodySink> open_firmware_upload(OtaApi& api, ApiRequest& request,
                                               std::optional<ApiResult>& refusal) {
  std::optional<std::string> boundary = multipart_boundary(request.content_type);
  Fields query_fields;
  if (!boundary) {
    std::string_view type = request.content_type;
    type = type.substr(0, type.find(';'));
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    if (type != "application/octet-stream") {
      refusal = error_result(
          415, "Upload firmware as multipart/form-data (fields file, version, device_type, "
               "description) or as application/octet-stream with the fields in the query");
      return nullptr;
    }
    // A raw upload names its metadata in the query; it is checked before any byte is stored.
    for (const auto& [k, v] : request.query) {
      if (k != "version" && k != "device_type" && k != "description") continue;
      if (query_fields.count(k)) {
        refusal = validation_result({{k, "is given more than once"}});
        return nullptr;
      }
      query_fields[k] = v;
    }
    std::vector<FieldError> errors;
    check_fields(query_fields, errors);
    if (!errors.empty()) {
      refusal = validation_result(errors);
      return nullptr;
    }
  }
  if (api.registry.free_space() < kDiskReserve) {
    refusal = error_result(507, "Not enough free disk space for the firmware file");
    return nullptr;
  }
  return std::make_unique<FirmwareUpload>(api, api.registry.create_incoming(), boundary,
                                          std::move(query_fields));
}

}  // namespace blazeiot
