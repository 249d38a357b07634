#include "domain/log_file.hpp"

#include <spdlog/spdlog.h>

namespace blazeiot {

void write_log_file(const LogEntry& e) {
  auto level = e.level == "error"   ? spdlog::level::err
               : e.level == "warn"  ? spdlog::level::warn
               : e.level == "debug" ? spdlog::level::debug
                                    : spdlog::level::info;
  spdlog::log(level, "[{}] {}", e.category, e.message);
}

}  // namespace blazeiot
