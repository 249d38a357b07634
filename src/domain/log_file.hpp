#pragma once
#include "domain/entities.hpp"

namespace blazeiot {

// Writes a system log entry to the process's file log (the default spdlog logger).
void write_log_file(const LogEntry& entry);

}  // namespace blazeiot
