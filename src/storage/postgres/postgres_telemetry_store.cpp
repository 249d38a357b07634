#include "storage/postgres/postgres_telemetry_store.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <string_view>
#include <tuple>

#include "cluster/batch_announcer.hpp"
#include "domain/ota_status.hpp"
#include "storage/postgres/pg_copy_rows.hpp"
#include "storage/postgres/pg_migrations.hpp"
#include "storage/postgres/pg_pipeline.hpp"

namespace blazeiot {
namespace {

struct Statement {
  const char* name;
  const char* sql;
};

// Upserts are race-safe between instances: ON CONFLICT takes the row lock, and last_seen
// only moves forward whichever commit comes last.
constexpr Statement kUpsertDevice{
    "ingest_upsert_device",
    "INSERT INTO devices(device_id, name, type, status, last_seen, created_at, updated_at)"
    " VALUES ($1, $2, $3, 'online', $4, $4, $4)"
    " ON CONFLICT (device_id) DO UPDATE SET status = 'online',"
    " last_seen = GREATEST(COALESCE(devices.last_seen, 0), excluded.last_seen),"
    " updated_at = excluded.updated_at"};
constexpr Statement kUpsertGateway{
    "ingest_upsert_gateway",
    "INSERT INTO gateways(gateway_id, name, type, status, last_seen, created_at, updated_at)"
    " VALUES ($1, $2, $3, 'online', $4, $4, $4)"
    " ON CONFLICT (gateway_id) DO UPDATE SET status = 'online',"
    " last_seen = GREATEST(COALESCE(gateways.last_seen, 0), excluded.last_seen),"
    " updated_at = excluded.updated_at"};
constexpr Statement kUpsertNode{
    "ingest_upsert_node",
    "INSERT INTO nodes(mac, gateway_id, name, type, status, last_seen, created_at, updated_at)"
    " VALUES ($1, $5, $2, $3, 'online', $4, $4, $4)"
    " ON CONFLICT (mac, gateway_id) DO UPDATE SET status = 'online',"
    " last_seen = GREATEST(COALESCE(nodes.last_seen, 0), excluded.last_seen),"
    " updated_at = excluded.updated_at"};
constexpr Statement kSetDeviceStatus{
    "ingest_device_status", "UPDATE devices SET status = $2, updated_at = $3 WHERE device_id = $1"};
constexpr Statement kSetGatewayStatus{
    "ingest_gateway_status",
    "UPDATE gateways SET status = $2, updated_at = $3 WHERE gateway_id = $1"};
constexpr Statement kSetNodeStatus{
    "ingest_node_status",
    "UPDATE nodes SET status = $2, updated_at = $3 WHERE mac = $1 AND gateway_id = $4"};
// Updates the device's open OTA record or, when there is none (an update nobody triggered
// here, e.g. flashed by hand), keeps the report as a new record: one statement, so it can
// go down the pipeline.
constexpr Statement kOtaResponse{
    "ingest_ota_response",
    "WITH open AS (SELECT id FROM ota_history WHERE device_id = $1::text AND completed_at IS NULL"
    "   ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE),"
    " updated AS (UPDATE ota_history h SET status = $2::text,"
    "   progress = COALESCE($3::integer, h.progress), error = $4::text, updated_at = $5::bigint,"
    "   completed_at = $6::bigint,"
    "   firmware_version = CASE WHEN $7::text = '' THEN h.firmware_version ELSE $7::text END"
    "   FROM open WHERE h.id = open.id RETURNING h.id)"
    " INSERT INTO ota_history(device_id, firmware_version, status, progress, error, created_at,"
    "   updated_at, completed_at)"
    " SELECT $1, $7, $2, $3, $4, $5, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM updated)"};
constexpr Statement kSetFirmwareVersion{
    "ingest_firmware_version",
    "UPDATE devices SET firmware_version = $2, updated_at = $3 WHERE device_id = $1"};
// A reply to an unknown, someone else's or already settled command changes nothing.
constexpr Statement kCompleteCommand{
    "ingest_command_reply",
    "UPDATE commands SET status = $3, result = NULLIF($4::text, ''), updated_at = $5"
    " WHERE command_id = $1 AND device_id = $2 AND status IN ('pending', 'sent')"};
constexpr Statement kInsertLog{
    "ingest_log",
    "INSERT INTO logs(category, level, source, message, details, timestamp)"
    " VALUES ($1, $2, $3, $4, $5, $6)"};
constexpr Statement kIngestStatements[] = {
    kUpsertDevice,  kUpsertGateway, kUpsertNode,         kSetDeviceStatus, kSetGatewayStatus,
    kSetNodeStatus, kOtaResponse,   kSetFirmwareVersion, kCompleteCommand, kInsertLog};

const std::string kCopyReadings =
    "COPY sensor_data(source_type, source_id, gateway_id, type, value, data, timestamp,"
    " device_timestamp) FROM STDIN";

constexpr int kAttempts = 3;

// Worth an immediate second try: a deadlock or serialization failure between instances, or
// a row that found no partition (23514) because one was dropped behind our back; the retry
// checks the partitions again.
bool worth_retrying(const std::string& sqlstate) {
  return sqlstate == "40P01" || sqlstate == "40001" || sqlstate == "23514";
}

int month_of(EpochMs ms) {
  using namespace std::chrono;
  year_month_day day{floor<days>(sys_time<milliseconds>(milliseconds(ms)))};
  return static_cast<int>(day.year()) * 12 + static_cast<int>(unsigned(day.month())) - 1;
}

// A write to one entity's row: a sighting or a presence change.
struct EntityWrite {
  EntityKind kind;
  std::string_view gateway_id;
  std::string_view id;
  bool presence;
  std::size_t index;  // into batch.sightings or batch.presence
};

// Every instance locks entity rows in the same order (gateways before their nodes), so two
// writers touching the same entities wait for each other instead of deadlocking. The sort
// is stable: for one entity, its sighting still comes before its presence changes, and
// those stay in the order they happened.
std::vector<EntityWrite> in_lock_order(const IngestBatch& b) {
  std::vector<EntityWrite> out;
  out.reserve(b.sightings.size() + b.presence.size());
  for (std::size_t i = 0; i < b.sightings.size(); ++i) {
    const EntitySighting& e = b.sightings[i];
    out.push_back({e.kind, e.gateway_id, e.id, false, i});
  }
  for (std::size_t i = 0; i < b.presence.size(); ++i) {
    const PresenceChange& p = b.presence[i];
    out.push_back({p.kind, p.gateway_id, p.id, true, i});
  }
  std::stable_sort(out.begin(), out.end(), [](const EntityWrite& x, const EntityWrite& y) {
    return std::tie(x.kind, x.gateway_id, x.id) < std::tie(y.kind, y.gateway_id, y.id);
  });
  return out;
}

}  // namespace

void PostgresTelemetryStore::apply(const IngestBatch& batch) {
  if (batch.empty()) return;
  pool_.write([&](PgConnection& c) {
    for (int attempt = 1;; ++attempt) {
      try {
        ensure_partitions(c, batch.readings);
        apply_once(c, batch);
        return;
      } catch (const StorageError& e) {
        known_months_.clear();
        const auto* pg = dynamic_cast<const PgError*>(&e);
        if (attempt >= kAttempts || c.broken() || !pg || !worth_retrying(pg->sqlstate())) throw;
      }
    }
  });
}

void PostgresTelemetryStore::ensure_partitions(PgConnection& c,
                                               const std::vector<Reading>& readings) {
  std::map<int, EpochMs> missing;  // month -> a time inside it
  int last_month = -1;
  for (const Reading& r : readings) {
    int month = month_of(r.received_at);
    if (month == last_month) continue;
    last_month = month;
    for (int k = 0; k <= kSensorDataMonthsAhead; ++k) {
      if (!known_months_.contains(month + k)) {
        missing.emplace(month, r.received_at);
        break;
      }
    }
  }
  // Its own short transaction: the DDL locks sensor_data only for a moment.
  for (const auto& [month, at] : missing) {
    c.query("SELECT sensor_data_ensure_partitions($1, $2)",
            PgParams().add(at).add(kSensorDataMonthsAhead));
    for (int k = 0; k <= kSensorDataMonthsAhead; ++k) known_months_.insert(month + k);
  }
}

void PostgresTelemetryStore::apply_once(PgConnection& c, const IngestBatch& batch) {
  for (const Statement& s : kIngestStatements) c.prepare_once(s.name, s.sql);
  // Other instances hear of the batch by NOTIFY in this transaction, so only what commits
  // travels (cluster/batch_announcer.hpp: nothing unless instances share the database).
  const std::vector<std::string> announcements = batch_announcements(batch);
  if (!announcements.empty()) c.prepare_once("ingest_announce", "SELECT pg_notify($1, $2)");

  PgTransaction tx(c);
  {
    PgPipeline pipeline(c);
    for (const EntityWrite& w : in_lock_order(batch)) {
      if (!w.presence) {
        const EntitySighting& e = batch.sightings[w.index];
        PgParams p;
        p.add(e.id).add(e.name).add(e.type).add(e.seen_at);
        if (e.kind == EntityKind::node) p.add(e.gateway_id);
        pipeline.send(e.kind == EntityKind::device    ? kUpsertDevice.name
                      : e.kind == EntityKind::gateway ? kUpsertGateway.name
                                                      : kUpsertNode.name,
                      p);
      } else {
        const PresenceChange& pc = batch.presence[w.index];
        PgParams p;
        p.add(pc.id).add(to_string(pc.status)).add(pc.at);
        if (pc.kind == EntityKind::node) p.add(pc.gateway_id);
        pipeline.send(pc.kind == EntityKind::device    ? kSetDeviceStatus.name
                      : pc.kind == EntityKind::gateway ? kSetGatewayStatus.name
                                                       : kSetNodeStatus.name,
                      p);
      }
    }
    for (const OtaResponse& o : batch.ota_responses) {
      std::optional<EpochMs> completed;
      if (is_final_ota_status(o.status)) completed = o.received_at;
      pipeline.send(kOtaResponse.name, PgParams()
                                           .add(o.device_id)
                                           .add(o.status)
                                           .add(o.progress)
                                           .add(o.error)
                                           .add(o.received_at)
                                           .add(completed)
                                           .add(o.firmware_version));
      if (o.status == "success" && !o.firmware_version.empty()) {
        pipeline.send(kSetFirmwareVersion.name,
                      PgParams().add(o.device_id).add(o.firmware_version).add(o.received_at));
      }
    }
    for (const CommandReply& r : batch.command_replies) {
      pipeline.send(kCompleteCommand.name, PgParams()
                                               .add(r.command_id)
                                               .add(r.device_id)
                                               .add(r.status)
                                               .add(r.result_json)
                                               .add(r.received_at));
    }
    for (const LogEntry& l : batch.logs) {
      pipeline.send(kInsertLog.name, PgParams()
                                         .add(l.category)
                                         .add(l.level)
                                         .add(l.source)
                                         .add(l.message)
                                         .add(l.details_json)
                                         .add(l.timestamp));
    }
    for (const std::string& a : announcements)
      pipeline.send("ingest_announce", PgParams().add(kClusterChannel).add(a));
    pipeline.finish();
  }
  if (!batch.readings.empty()) {
    PgCopyRows rows;
    rows.reserve(batch.readings.size() * 160);
    for (const Reading& r : batch.readings) {
      rows.text(to_string(r.source_type)).text(r.source_id);
      if (r.gateway_id.empty()) rows.null(); else rows.text(r.gateway_id);
      if (r.type.empty()) rows.null(); else rows.text(r.type);
      rows.opt(r.value).text(r.data_json).int64(r.received_at).opt(r.device_time);
      rows.end_row();
    }
    c.copy_in(kCopyReadings, rows.data());
  }
  tx.commit();
}

std::vector<KnownEntity> PostgresTelemetryStore::load_entities() {
  return pool_.run([](PgConnection& c) {
    std::vector<KnownEntity> out;
    auto load = [&](EntityKind kind, const char* sql) {
      PgResult q = c.query(sql);
      for (int i = 0; i < q.rows(); ++i) {
        KnownEntity e;
        e.kind = kind;
        e.id = q.string(i, 0);
        e.gateway_id = q.string(i, 1);
        e.status = q.text(i, 2) == "online" ? Presence::online : Presence::offline;
        e.last_seen = q.opt_int64(i, 3);
        out.push_back(std::move(e));
      }
    };
    load(EntityKind::device, "SELECT device_id, '', status, last_seen FROM devices");
    load(EntityKind::gateway, "SELECT gateway_id, '', status, last_seen FROM gateways");
    load(EntityKind::node, "SELECT mac, gateway_id, status, last_seen FROM nodes");
    return out;
  });
}

}  // namespace blazeiot
