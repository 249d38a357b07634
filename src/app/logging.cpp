#include "app/logging.hpp"

#include <filesystem>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "domain/log_file.hpp"

namespace blazeiot {

void setup_logging(const Config& config) {
  std::filesystem::create_directories(config.log_dir);
  auto console = std::make_shared<spdlog::sinks::stdout_color_sink_mt>();
  auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
      (std::filesystem::path(config.log_dir) / "blazeiot.log").string(), config.log_max_size,
      static_cast<std::size_t>(config.log_max_files));
  auto main = std::make_shared<spdlog::logger>("blazeiot", spdlog::sinks_init_list{console, file});
  main->set_level(spdlog::level::from_str(config.log_level));
  main->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  main->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(main);

  auto access_file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
      (std::filesystem::path(config.log_dir) / "access.log").string(), config.log_max_size,
      static_cast<std::size_t>(config.log_max_files));
  auto access = std::make_shared<spdlog::logger>("access", access_file);
  access->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %v", spdlog::pattern_time_type::utc);
  access->set_level(spdlog::level::info);
  spdlog::drop("access");
  spdlog::register_logger(access);
  spdlog::flush_every(std::chrono::seconds(1));
}

void FileAndTableLog::write(LogEntry entry) {
  write_log_file(entry);
  if (entry.timestamp == 0) entry.timestamp = clock_.now_ms();
  if (store_entry_) store_entry_(std::move(entry));
}

}  // namespace blazeiot
