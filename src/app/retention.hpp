#pragma once
// Data retention: readings and system log entries older than DATA_RETENTION_DAYS /
// LOG_RETENTION_DAYS are deleted shortly after start and then every hour.
//
// On a thread of its own, in chunks of kChunkRows rows, each chunk its own short transaction
// with a pause after it, so ingest keeps committing between chunks however much is due (the
// first round after enabling retention on a year of data deletes millions of rows). With
// several instances only the leader deletes.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "cluster/leadership.hpp"
#include "core/clock.hpp"
#include "domain/system_log.hpp"
#include "storage/storage.hpp"

namespace blazeiot {

struct RetentionPolicy {
  int readings_days = 0;  // 0: keep forever
  int logs_days = 0;
  bool enabled() const { return readings_days > 0 || logs_days > 0; }
};

class Retention {
 public:
  static constexpr int kChunkRows = 5000;
  static constexpr std::chrono::milliseconds kChunkPause{20};
  static constexpr std::chrono::minutes kPeriod{60};
  // How often an instance that does not lead asks again, so a new leader starts soon.
  static constexpr std::chrono::minutes kLeaderRecheck{1};

  Retention(Storage& storage, const Clock& clock, RetentionPolicy policy,
            const Leadership& leadership, SystemLog& log,
            std::chrono::milliseconds first_round_after = std::chrono::seconds(2));
  ~Retention();
  Retention(const Retention&) = delete;
  Retention& operator=(const Retention&) = delete;

  // Starts the thread (nothing happens without a policy).
  void start();
  // Ends the thread: a round under way stops after its current chunk. Call it while the
  // log can still be written (before ingest drains); idempotent.
  void stop();

  struct Outcome {
    int periods = 0;  // whole periods dropped (PostgreSQL's months)
    std::int64_t readings = 0;  // readings deleted row by row
    std::int64_t logs = 0;
  };
  // One round now, on the caller's thread: what it deleted.
  Outcome run_round();

 private:
  void run();
  // Deletes in chunks until nothing older is left or stop() is called; how many went.
  template <class Store>
  std::int64_t delete_all(Store& store, EpochMs before);
  bool stopping() const;

  Storage& storage_;
  const Clock& clock_;
  const RetentionPolicy policy_;
  const Leadership& leadership_;
  SystemLog& log_;
  const std::chrono::milliseconds first_round_after_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace blazeiot
