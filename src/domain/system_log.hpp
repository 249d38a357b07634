#pragma once
// System events: written to the rotating log files at once and to the logs table with the
// next committed batch. Thread-safe. Never pass secrets (tokens, passwords) in any field.
#include <string>

#include "domain/entities.hpp"

namespace blazeiot {

class SystemLog {
 public:
  virtual ~SystemLog() = default;
  virtual void write(LogEntry entry) = 0;

  void info(std::string category, std::string source, std::string message,
            std::string details_json = "{}") {
    emit("info", std::move(category), std::move(source), std::move(message),
         std::move(details_json));
  }
  void warn(std::string category, std::string source, std::string message,
            std::string details_json = "{}") {
    emit("warn", std::move(category), std::move(source), std::move(message),
         std::move(details_json));
  }
  void error(std::string category, std::string source, std::string message,
             std::string details_json = "{}") {
    emit("error", std::move(category), std::move(source), std::move(message),
         std::move(details_json));
  }

 private:
  void emit(const char* level, std::string category, std::string source, std::string message,
            std::string details_json) {
    LogEntry e;
    e.level = level;
    e.category = std::move(category);
    e.source = std::move(source);
    e.message = std::move(message);
    e.details_json = std::move(details_json);
    write(std::move(e));
  }
};

}  // namespace blazeiot
