#include "app/retention.hpp"

#include "core/iso_time.hpp"
#include "core/thread_name.hpp"

namespace blazeiot {

namespace {

constexpr EpochMs kDayMs = 24LL * 3600 * 1000;

}  // namespace

Retention::Retention(Storage& storage, const Clock& clock, RetentionPolicy policy,
                     const Leadership& leadership, SystemLog& log,
                     std::chrono::milliseconds first_round_after)
    : storage_(storage),
      clock_(clock),
      policy_(policy),
      leadership_(leadership),
      log_(log),
      first_round_after_(first_round_after) {}

Retention::~Retention() { stop(); }

void Retention::start() {
  if (!policy_.enabled()) return;
  thread_ = std::thread([this] {
    name_this_thread("retention");
    run();
  });
}

void Retention::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Retention::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

// Store: ReadingStore or LogStore, which delete the same way.
template <class Store>
std::int64_t Retention::delete_all(Store& store, EpochMs before) {
  std::int64_t total = 0;
  for (;;) {
    std::int64_t n = store.delete_older_than(before, kChunkRows);
    total += n;
    if (n < kChunkRows) return total;
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, kChunkPause, [this] { return stopping_; })) return total;
  }
}

Retention::Outcome Retention::run_round() {
  Outcome out;
  const EpochMs now = clock_.now_ms();
  auto report = [this](const std::string& what, EpochMs before, const char* variable, int days) {
    log_.info("system", "retention",
              "retention: " + what + " before " + format_iso8601(before) + " (" + variable +
                  "=" + std::to_string(days) + ")");
  };
  if (policy_.readings_days > 0) {
    const EpochMs before = now - policy_.readings_days * kDayMs;
    try {
      out.periods = storage_.readings().drop_periods_before(before);
    } catch (const std::exception& e) {
      // E.g. the lock was not granted in time: the rows go one by one below, the period's
      // DROP is tried again next round.
      log_.warn("system", "retention",
                std::string("retention: whole months not dropped this round: ") + e.what());
    }
    if (out.periods > 0)
      report("dropped " + std::to_string(out.periods) + " monthly partitions of readings",
             before, "DATA_RETENTION_DAYS", policy_.readings_days);
    out.readings = delete_all(storage_.readings(), before);
    if (out.readings > 0)
      report("deleted " + std::to_string(out.readings) + " readings received", before,
             "DATA_RETENTION_DAYS", policy_.readings_days);
  }
  if (policy_.logs_days > 0 && !stopping()) {
    const EpochMs before = now - policy_.logs_days * kDayMs;
    out.logs = delete_all(storage_.logs(), before);
    if (out.logs > 0)
      report("deleted " + std::to_string(out.logs) + " log entries from", before,
             "LOG_RETENTION_DAYS", policy_.logs_days);
  }
  return out;
}

void Retention::run() {
  // The first round waits a little, so it does not compete with the start-up itself.
  std::chrono::milliseconds wait = first_round_after_;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, wait, [this] { return stopping_; })) return;
    }
    if (!leadership_.is_leader()) {
      wait = kLeaderRecheck;
      continue;
    }
    wait = kPeriod;
    try {
      run_round();
    } catch (const std::exception& e) {
      // The database may be restarting or the disk full; the next round tries again.
      log_.warn("system", "retention",
                std::string("retention: round failed, next in an hour: ") + e.what());
    }
  }
}

}  // namespace blazeiot
