#pragma once
// The storage a running platform uses: one interface per area, each implemented once per
// database. Code above storage depends only on these interfaces.
#include <cstdint>
#include <memory>
#include <string>

#include "storage/telemetry_store.hpp"

namespace blazeiot {

class Storage {
 public:
  virtual ~Storage() = default;

  // Creates or upgrades the schema; returns the schema version.
  virtual int migrate() = 0;
  virtual std::string kind() const = 0;  // "sqlite" or "postgres"
  virtual std::int64_t size_bytes() = 0;

  virtual TelemetryStore& telemetry() = 0;
};

}  // namespace blazeiot
