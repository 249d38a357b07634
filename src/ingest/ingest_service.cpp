#include "ingest/ingest_service.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "core/free_space.hpp"
#include "domain/log_file.hpp"

namespace blazeiot {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

const char* category_of(EntityKind k) { return to_string(k); }

std::string display_name(const PresenceKey& k) {
  if (k.kind == EntityKind::node) return k.id + " (gateway " + k.gateway_id + ")";
  return k.id;
}

std::string capitalised(const char* s) {
  std::string out(s);
  if (!out.empty()) out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

}  // namespace

IngestService::IngestService(asio::any_io_executor strand, TelemetryStore& store, EventBus& events,
                             const Clock& clock, IngestOptions options)
    : strand_(std::move(strand)),
      store_(store),
      events_(events),
      clock_(clock),
      options_(options),
      committer_(store),
      presence_(options.offline_timeout_ms),
      disk_(options.min_free_disk, options.free_disk),
      tick_timer_(strand_),
      retry_timer_(strand_),
      spacing_timer_(strand_),
      remote_view_complete_(!options.shared_presence) {}

IngestService::~IngestService() = default;

void IngestService::start() {
  EpochMs now = clock_.now_ms();
  for (const KnownEntity& e : store_.load_entities())
    presence_.load(PresenceKey{e.kind, e.id, e.gateway_id}, e.status, e.last_seen, now);
  last_summary_ = now;
  // Here, not on the strand: nothing runs there yet, and the start-up banner reads the result.
  check_disk(now);
  asio::post(strand_, [this] {
    refresh_online_counts();
    schedule_tick();
  });
}

void IngestService::attach(std::shared_ptr<MqttClient> client, std::string broker_url,
                           bool embedded) {
  client_ = std::move(client);
  broker_url_ = std::move(broker_url);
  embedded_ = embedded;
}

void IngestService::on_connection(bool connected, const std::string& detail) {
  bool was = connected_.exchange(connected);
  if (connected && !was) {
    add_log_now({0, "mqtt", "info", broker_url_, "connected to the MQTT broker " + broker_url_ +
                 (detail.empty() ? "" : " (" + detail + ")"), "{}", clock_.now_ms()});
  } else if (!connected) {
    add_log_now({0, "mqtt", was ? "warn" : "error", broker_url_,
                 (was ? "disconnected from the MQTT broker: " : "MQTT connection failed: ") + detail,
                 "{}", clock_.now_ms()});
  }
  maybe_commit();
}

void IngestService::on_message(MqttMessage&& m) {
  ++received_;
  EpochMs now = clock_.now_ms();
  ++pending_.messages;
  ++backlog_;
  if (m.ack.packet_id) pending_.acks.push_back(m.ack);

  std::variant<ParsedMessage, Rejection> result =
      m.truncated ? std::variant<ParsedMessage, Rejection>(Rejection{
                        RejectReason::too_large, "payload of " + std::to_string(m.size) +
                                                     " bytes exceeds " +
                                                     std::to_string(options_.limits.max_payload)})
                  : parse_message(m.topic, m.payload, now, options_.limits);
  if (auto* r = std::get_if<Rejection>(&result)) {
    ++rejected_;
    rejections_.record(m.topic, r->reason, r->detail);
  } else if (m.retained) {
    // A broker replays a topic's retained message to each new subscription, so every restart
    // would store its readings again and count it as traffic (bringing a silent device back
    // online). Readings and the rest were stored when they were published live; only a status
    // report (a retained Last Will: "offline") still says something about now.
    if (retained_skipped_++ == 0)
      spdlog::info("[ingest] retained messages the broker replays are not stored again, "
                   "only their status reports applied (the first: {})", m.topic);
    apply_status_reports(std::get<ParsedMessage>(result).status, now);
  } else {
    accept(std::move(std::get<ParsedMessage>(result)), now);
  }
  update_pause();
  maybe_commit();
}

void IngestService::apply_status_reports(const std::vector<StatusReport>& reports, EpochMs now) {
  for (const StatusReport& st : reports) {
    if (auto t = presence_.report(PresenceKey{st.kind, st.id, ""}, st.status, now))
      apply_transition(*t, now, "status message");
  }
}

void IngestService::accept(ParsedMessage&& parsed, EpochMs now) {
  for (EntitySighting& s : parsed.sightings) {
    if (auto t = presence_.observe(s.kind, s.id, s.gateway_id, now))
      apply_transition(*t, now, "traffic");
    add_sighting(std::move(s));
  }
  apply_status_reports(parsed.status, now);
  for (OtaResponse& o : parsed.ota) {
    pending_.events.emplace_back(std::in_place_type<OtaStatusChanged>, OtaStatusChanged{o});
    pending_.batch.ota_responses.push_back(std::move(o));
  }
  for (CommandReply& c : parsed.command_replies)
    pending_.batch.command_replies.push_back(std::move(c));
  for (Reading& r : parsed.readings) {
    // The event is filled from the batch once that is committed (move_readings_into_events):
    // one copy of every reading instead of two.
    pending_.events.emplace_back(std::in_place_type<ReadingStored>);
    pending_.batch.readings.push_back(std::move(r));
  }
}

void IngestService::add_sighting(EntitySighting&& s) {
  // One upsert per entity per batch, however many messages it sent. The key is built in a
  // reused buffer: most messages come from an entity the batch already has.
  sighting_key_.clear();
  append_entity_key(sighting_key_, s.kind, s.gateway_id, s.id);
  auto it = pending_.sighting_index.find(sighting_key_);
  if (it == pending_.sighting_index.end()) {
    pending_.sighting_index.emplace(sighting_key_, pending_.batch.sightings.size());
    pending_.batch.sightings.push_back(std::move(s));
  } else {
    auto& existing = pending_.batch.sightings[it->second];
    existing.seen_at = std::max(existing.seen_at, s.seen_at);
  }
}

void IngestService::apply_transition(const PresenceTransition& t, EpochMs now, const char* why) {
  const char* kind = category_of(t.key.kind);
  if (t.registered) {
    add_log_now({0, kind, "info", t.key.id,
                 capitalised(kind) + " registered: " + display_name(t.key), "{}", now});
    pending_.events.emplace_back(std::in_place_type<EntityRegistered>,
                                 EntityRegistered{t.key.kind, t.key.id, t.key.gateway_id, now});
  } else {
    add_log_now({0, kind, t.status == Presence::online ? "info" : "warn", t.key.id,
                 capitalised(kind) + " " + display_name(t.key) + " is " + to_string(t.status) +
                     " (" + why + ")",
                 "{}", now});
  }
  // Sightings already mark an entity online; an explicit change is recorded either way so
  // the last word in the batch is the right one.
  pending_.batch.presence.push_back({t.key.kind, t.key.id, t.key.gateway_id, t.status, now});
  pending_.events.emplace_back(
      std::in_place_type<PresenceChanged>,
      PresenceChanged{t.key.kind, t.key.id, t.key.gateway_id, t.status, now});
}

void IngestService::add_log(LogEntry entry) {
  asio::post(strand_, [this, entry = std::move(entry)]() mutable {
    pending_.events.emplace_back(std::in_place_type<LogWritten>, LogWritten{entry});
    pending_.batch.logs.push_back(std::move(entry));
    maybe_commit();
  });
}

void IngestService::on_remote_commit(std::vector<PresenceChange> presence,
                                     std::vector<EntitySighting> sightings) {
  asio::post(strand_, [this, presence = std::move(presence),
                       sightings = std::move(sightings)]() mutable {
    for (const PresenceChange& p : presence)
      presence_.apply_remote(PresenceKey{p.kind, p.id, p.gateway_id}, p.status, p.at);
    bool leader = may_expire();
    EpochMs now = clock_.now_ms();
    for (const EntitySighting& s : sightings) {
      auto t = presence_.touch(PresenceKey{s.kind, s.id, s.gateway_id}, s.seen_at);
      // Traffic elsewhere that is newer than the offline status we hold, and nobody said it
      // is back: the leader says so (once), so the stored status and the stream agree.
      if (t && leader) apply_transition(*t, now, "traffic on another instance");
    }
    maybe_commit();  // the online counts follow with the next tick
  });
}

void IngestService::on_remote_resync(std::vector<KnownEntity> stored) {
  asio::post(strand_, [this, stored = std::move(stored)] {
    EpochMs now = clock_.now_ms();
    for (const KnownEntity& e : stored)
      presence_.merge_stored(PresenceKey{e.kind, e.id, e.gateway_id}, e.status, e.last_seen, now);
    remote_view_complete_ = true;
    refresh_online_counts();
  });
}

void IngestService::on_remote_lost() {
  asio::post(strand_, [this] { remote_view_complete_ = false; });
}

void IngestService::add_log_now(LogEntry&& entry) {
  write_log_file(entry);
  pending_.events.emplace_back(std::in_place_type<LogWritten>, LogWritten{entry});
  pending_.batch.logs.push_back(std::move(entry));
}

void IngestService::maybe_commit() {
  if (committing_ || pending_.empty() || spacing_armed_) return;
  const auto now = std::chrono::steady_clock::now();
  const auto due = last_commit_start_ + options_.commit_spacing;
  if (now < due && !stopping_ && pending_.messages < options_.commit_at_once) {
    spacing_armed_ = true;
    spacing_timer_.expires_at(due);
    spacing_timer_.async_wait([this](boost::system::error_code) {
      spacing_armed_ = false;
      maybe_commit();
    });
    return;
  }
  last_commit_start_ = now;
  committing_ = std::make_shared<Pending>(std::move(pending_));
  pending_ = Pending{};
  // The committer reads the batch on its thread while committing_ keeps it alive here.
  std::shared_ptr<const IngestBatch> batch(committing_, &committing_->batch);
  committer_.commit(std::move(batch), strand_, [this](std::string error) { on_committed(error); });
}

void IngestService::on_committed(const std::string& error) {
  if (!error.empty()) {
    // Nothing was applied and nothing acknowledged: the broker still holds these messages.
    // Retry the same batch; meanwhile new messages accumulate and, past the high-water
    // mark, reading stops.
    spdlog::error("[storage] ingest commit failed, retrying in 1 s: {}", error);
    retry_timer_.expires_after(1s);
    retry_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      std::shared_ptr<const IngestBatch> batch(committing_, &committing_->batch);
      committer_.commit(std::move(batch), strand_,
                        [this](std::string e) { on_committed(e); });
    });
    return;
  }
  auto done = std::move(committing_);
  committing_.reset();
  stored_ += done->batch.readings.size();
  move_readings_into_events(*done);
  backlog_ -= done->messages;
  // Events first: their subscribers drop cached answers the batch made stale, and a publisher
  // that reads the API as soon as it has its acknowledgement must not get one of them.
  events_.publish(done->events);
  if (client_)
    for (const MqttAckToken& t : done->acks) client_->acknowledge(t);
  update_pause();
  maybe_commit();
  if (stopping_ && !committing_ && pending_.empty() && drained_) finish_drain();
}

// Everything received is committed and acknowledged: disconnect, then report drained.
void IngestService::finish_drain() {
  auto cb = std::move(drained_);
  drained_ = nullptr;
  if (client_) {
    client_->stop(std::move(cb));
  } else {
    cb();
  }
}

// The batch's readings are committed and no longer needed there; each ReadingStored event
// was queued empty, in the same order as the readings, and takes its reading now.
void IngestService::move_readings_into_events(Pending& done) {
  auto next = done.batch.readings.begin();
  for (PlatformEvent& e : done.events)
    if (auto* stored = std::get_if<ReadingStored>(&e)) stored->reading = std::move(*next++);
}

void IngestService::update_pause() {
  if (!client_) return;
  std::size_t backlog = backlog_.load();
  bool pause = stopping_ || disk_.low() || backlog >= options_.high_water ||
               (paused_ && backlog > options_.low_water);
  if (pause != paused_) {
    paused_ = pause;
    client_->set_paused(pause);
  }
}

void IngestService::drain(std::function<void()> done) {
  asio::post(strand_, [this, done = std::move(done)]() mutable {
    stopping_ = true;
    tick_timer_.cancel();
    for (auto& e : rejections_.flush(clock_.now_ms(), options_.rejection_interval_s))
      add_log_now(std::move(e));
    update_pause();
    drained_ = std::move(done);
    maybe_commit();
    if (!committing_ && pending_.empty()) finish_drain();
  });
}

void IngestService::schedule_tick() {
  tick_timer_.expires_after(500ms);
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    tick();
    schedule_tick();
  });
}

// With several instances each one receives only its share of a device's messages, so its own
// silence timer would take devices offline that are busy talking to another instance. Instead
// every instance's tracker also follows what the others commit (their sightings and presence
// changes arrive through the database's event stream, sent in the committing transaction, so
// it is exactly the committed last_seen), and is merged with the stored rows whenever that
// stream may have had a gap. Only the leader acts on the timeout, and only while that view
// is complete; a decision that crossed a commit elsewhere is corrected by the leader when the
// sighting arrives (on_remote_commit), so the stored status converges either way.
bool IngestService::may_expire() const {
  return remote_view_complete_ && (!options_.leadership || options_.leadership->is_leader());
}

void IngestService::tick() {
  EpochMs now = clock_.now_ms();
  if (may_expire())
    for (const PresenceTransition& t : presence_.expire(now)) apply_transition(t, now, "timeout");
  if (now - last_summary_ >= options_.rejection_interval_s * 1000LL) {
    for (auto& e : rejections_.flush(now, options_.rejection_interval_s)) add_log_now(std::move(e));
    last_summary_ = now;
  }
  rate_samples_.emplace_back(now, received_.load());
  while (rate_samples_.size() > 2 && now - rate_samples_.front().first > 10'000)
    rate_samples_.pop_front();
  if (rate_samples_.size() >= 2) {
    auto [t0, n0] = rate_samples_.front();
    if (now > t0) rate_ = static_cast<double>(received_.load() - n0) * 1000.0 / double(now - t0);
  }
  check_disk(now);
  refresh_online_counts();
  maybe_commit();
}

// Messages already received are still committed (the minimum leaves room for them); only
// reading more waits.
void IngestService::check_disk(EpochMs now) {
  const DiskSpaceWatch::Change change = disk_.check();
  const std::optional<std::uint64_t> free = disk_.last_free();
  disk_free_ = free ? static_cast<std::int64_t>(*free) : -1;
  disk_low_ = disk_.low();
  switch (change) {
    case DiskSpaceWatch::Change::none:
      return;
    case DiskSpaceWatch::Change::unreadable:
      add_log_now({0, "system", "warn", "ingest",
                   "cannot read the free space where the database is; ingest stays " +
                       std::string(disk_.low() ? "paused" : "running") + " until it can",
                   "{}", now});
      return;
    case DiskSpaceWatch::Change::became_low:
      add_log_now({0, "system", "error", "ingest",
                   "ingest paused: " + mib_text(*free) + " free where the database is, below " +
                       "MIN_FREE_DISK_MB (" + mib_text(disk_.min_free()) +
                       "); the broker keeps the messages until " + mib_text(disk_.resume_at()) +
                       " are free",
                   "{}", now});
      break;
    case DiskSpaceWatch::Change::recovered:
      add_log_now({0, "system", "info", "ingest",
                   "ingest resumed: " + mib_text(*free) + " free where the database is", "{}",
                   now});
      break;
  }
  update_pause();
}

void IngestService::refresh_online_counts() {
  for (EntityKind k : {EntityKind::device, EntityKind::gateway, EntityKind::node})
    online_[static_cast<int>(k)] = presence_.online(k);
}

IngestSnapshot IngestService::ingest_snapshot() const {
  IngestSnapshot s;
  s.broker_connected = connected_.load();
  s.embedded_broker = embedded_;
  s.broker_url = broker_url_;
  s.messages_received = received_.load();
  s.messages_rejected = rejected_.load();
  s.readings_stored = stored_.load();
  s.messages_per_second = rate_.load();
  s.backlog = backlog_.load();
  s.paused_for_disk = disk_low_.load();
  if (std::int64_t free = disk_free_.load(); free >= 0)
    s.disk_free_bytes = static_cast<std::uint64_t>(free);
  return s;
}

}  // namespace blazeiot
