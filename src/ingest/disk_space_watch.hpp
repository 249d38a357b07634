#pragma once
// Decides when ingest must stop for lack of disk space, and when it may go on.
//
// Below the minimum the platform stops reading from the broker, which keeps the messages
// (QoS 1, persistent session), instead of filling the disk until SQLite's commits fail and
// nothing else (a login, a log line, a checkpoint) can be written either. Ingest goes on
// only once there is a margin above the minimum, so it does not flap at the boundary.
#include <cstdint>
#include <functional>
#include <optional>

namespace blazeiot {

class DiskSpaceWatch {
 public:
  // Bytes free where the database is; nullopt when that cannot be asked (then ingest stays
  // as it is: an unreadable figure neither stops nor resumes it).
  using Probe = std::function<std::optional<std::uint64_t>()>;

  // min_free 0: never low.
  DiskSpaceWatch(std::uint64_t min_free, Probe probe);

  // unreadable: the probe failed after answering before (or at the first check); said once
  // per spell of failures.
  enum class Change { none, became_low, recovered, unreadable };
  Change check();

  bool low() const { return low_; }
  std::uint64_t min_free() const { return min_free_; }
  std::uint64_t resume_at() const { return resume_at_; }
  std::optional<std::uint64_t> last_free() const { return last_free_; }

 private:
  std::uint64_t min_free_;
  std::uint64_t resume_at_;
  Probe probe_;
  bool low_ = false;
  bool unreadable_ = false;
  std::optional<std::uint64_t> last_free_;
};

}  // namespace blazeiot
