#pragma once
// The ingest pipeline: MQTT message -> parse -> presence -> pending batch -> one commit at a
// time -> PUBACKs (in receive order) and events. Runs on one strand; the only blocking work,
// the commit, happens on the BatchCommitter's thread.
#include <atomic>
#include <chrono>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <unordered_map>

#include "cluster/leadership.hpp"
#include "core/clock.hpp"
#include "domain/event_bus.hpp"
#include "domain/presence_tracker.hpp"
#include "ingest/batch_committer.hpp"
#include "ingest/disk_space_watch.hpp"
#include "ingest/ingest_status.hpp"
#include "ingest/message_parser.hpp"
#include "ingest/mqtt_client.hpp"
#include "ingest/rejection_summary.hpp"

namespace blazeiot {

struct IngestOptions {
  ParseLimits limits;
  EpochMs offline_timeout_ms = 300'000;
  int rejection_interval_s = 10;
  // Stop reading from the broker above this many uncommitted messages; resume below low.
  std::size_t high_water = 20'000;
  std::size_t low_water = 5'000;
  // Group commit: while messages keep coming, a commit starts at most this long after the
  // previous one started, so each carries more messages (a commit's cost, and the wake-up of
  // every live-stream client that follows it, hardly depend on its size). A message that
  // arrives after a quiet spell is committed at once, and so is a batch of this many messages.
  std::chrono::microseconds commit_spacing{2000};
  std::size_t commit_at_once = 5'000;
  // Several instances on one database: only the leader times entities out (nullptr: this
  // instance is the only one, and always decides).
  const Leadership* leadership = nullptr;
  // Several instances: what the others commit arrives through on_remote_commit(), and
  // timeouts wait until that view is complete (on_remote_resync()).
  bool shared_presence = false;
  // Stop reading from the broker (it keeps the messages) while the database's filesystem
  // has less than this many bytes free; 0: no check. free_disk says how much it has.
  std::uint64_t min_free_disk = 0;
  DiskSpaceWatch::Probe free_disk;
};

class IngestService final : public IngestStatusSource {
 public:
  IngestService(boost::asio::any_io_executor strand, TelemetryStore& store, EventBus& events,
                const Clock& clock, IngestOptions options);
  ~IngestService() override;

  // Loads known entities, checks the disk (ingest_snapshot() has the result at once) and
  // starts the presence and summary timers. Call once, before messages arrive and before
  // the executor runs.
  void start();
  void attach(std::shared_ptr<MqttClient> client, std::string broker_url, bool embedded);

  // On the strand:
  void on_message(MqttMessage&& message);
  void on_connection(bool connected, const std::string& detail);

  // Thread-safe: a system log entry committed with the next batch.
  void add_log(LogEntry entry);

  // Thread-safe, with shared_presence: what another instance committed, in its order
  // (presence changes, then sightings).
  void on_remote_commit(std::vector<PresenceChange> presence,
                        std::vector<EntitySighting> sightings);
  // The stored presence, read after what others committed may have been missed (the event
  // stream just (re)connected); completes the view, so timeouts may run again.
  void on_remote_resync(std::vector<KnownEntity> stored);
  // The event stream is down: others' traffic is unknown until the next resync.
  void on_remote_lost();

  // Stops reading, commits and acknowledges everything received, disconnects from the
  // broker, then calls done (on the strand).
  void drain(std::function<void()> done);

  IngestSnapshot ingest_snapshot() const override;
  std::size_t online(EntityKind kind) const { return online_[static_cast<int>(kind)].load(); }

 private:
  struct Pending {
    IngestBatch batch;
    std::vector<MqttAckToken> acks;
    std::vector<PlatformEvent> events;
    std::unordered_map<std::string, std::size_t> sighting_index;
    std::size_t messages = 0;
    bool empty() const { return batch.empty() && acks.empty() && events.empty(); }
  };

  void accept(ParsedMessage&& parsed, EpochMs now);
  void apply_transition(const PresenceTransition& t, EpochMs now, const char* why);
  void add_sighting(EntitySighting&& s);
  static void move_readings_into_events(Pending& done);
  void add_log_now(LogEntry&& entry);
  void apply_status_reports(const std::vector<StatusReport>& reports, EpochMs now);
  void maybe_commit();
  void on_committed(const std::string& error);
  void update_pause();
  void finish_drain();
  void tick();
  void schedule_tick();
  void refresh_online_counts();
  void check_disk(EpochMs now);
  bool may_expire() const;

  boost::asio::any_io_executor strand_;
  TelemetryStore& store_;
  EventBus& events_;
  const Clock& clock_;
  IngestOptions options_;
  BatchCommitter committer_;
  PresenceTracker presence_;
  RejectionSummary rejections_;
  DiskSpaceWatch disk_;
  std::shared_ptr<MqttClient> client_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer spacing_timer_;
  bool spacing_armed_ = false;
  std::chrono::steady_clock::time_point last_commit_start_{};

  Pending pending_;
  std::string sighting_key_;  // add_sighting()'s lookup key, reused
  std::shared_ptr<Pending> committing_;
  bool paused_ = false;
  bool stopping_ = false;
  bool remote_view_complete_ = true;
  std::function<void()> drained_;
  EpochMs last_summary_ = 0;
  std::uint64_t retained_skipped_ = 0;  // retained replays left unstored (the first is logged)
  std::deque<std::pair<EpochMs, std::uint64_t>> rate_samples_;

  // Read by other threads through ingest_snapshot().
  std::string broker_url_;
  bool embedded_ = false;
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> stored_{0};
  std::atomic<std::uint64_t> backlog_{0};
  std::atomic<double> rate_{0};
  std::atomic<bool> disk_low_{false};
  std::atomic<std::int64_t> disk_free_{-1};  // -1: not known
  std::atomic<std::size_t> online_[3] = {0, 0, 0};
};

}  // namespace blazeiot
