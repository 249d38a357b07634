#pragma once
// Which instance runs the platform-wide periodic duties (presence timeouts, OTA and command
// timeouts, campaign pacing) when several instances share one database: exactly one at a time.
// A single instance (SQLite, or PostgreSQL without peers) is always the leader.
namespace blazeiot {

class Leadership {
 public:
  virtual ~Leadership() = default;
  // Thread-safe; may change at any time (the leader died, the database connection dropped).
  virtual bool is_leader() const = 0;
};

class SoleInstance final : public Leadership {
 public:
  bool is_leader() const override { return true; }
};

}  // namespace blazeiot
