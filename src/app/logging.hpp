#pragma once
// Log files: spdlog to the console and to rotating files under LOG_DIR.
#include <functional>
#include <memory>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "domain/system_log.hpp"

namespace blazeiot {

// Installs the default logger (console + LOG_DIR/blazeiot.log, rotated at LOG_MAX_SIZE,
// LOG_MAX_FILES kept) and an "access" logger for HTTP access lines (LOG_DIR/access.log).
void setup_logging(const Config& config);

// A SystemLog that writes the file log at once and hands each entry to `store_entry` for the
// logs table (nullptr: files only, e.g. for one-shot commands).
class FileAndTableLog final : public SystemLog {
 public:
  using Sink = std::function<void(LogEntry)>;
  explicit FileAndTableLog(const Clock& clock, Sink store_entry = nullptr)
      : clock_(clock), store_entry_(std::move(store_entry)) {}
  void set_sink(Sink s) { store_entry_ = std::move(s); }
  void write(LogEntry entry) override;

 private:
  const Clock& clock_;
  Sink store_entry_;
};

}  // namespace blazeiot
