#include "storage/sqlite/sqlite_telemetry_store.hpp"

#include <optional>

#include "domain/ota_status.hpp"
#include "storage/sqlite/sqlite_reading_inserter.hpp"

namespace blazeiot {

// Statements prepared once per writer connection and reused for every batch.
struct IngestStatements {
  SqliteStatement upsert_device;
  SqliteStatement upsert_gateway;
  SqliteStatement upsert_node;
  SqliteReadingInserter insert_readings;
  SqliteStatement set_device_status;
  SqliteStatement set_gateway_status;
  SqliteStatement set_node_status;
  SqliteStatement update_open_ota;
  SqliteStatement insert_ota;
  SqliteStatement set_firmware_version;
  SqliteStatement complete_command;
  SqliteStatement insert_log;

  explicit IngestStatements(SqliteConnection& c)
      : upsert_device(c.prepare(
            "INSERT INTO devices(device_id, name, type, status, last_seen, created_at, updated_at)"
            " VALUES (?1, ?2, ?3, 'online', ?4, ?4, ?4)"
            " ON CONFLICT(device_id) DO UPDATE SET status='online',"
            " last_seen=MAX(COALESCE(last_seen, 0), excluded.last_seen),"
            " updated_at=excluded.updated_at")),
        upsert_gateway(c.prepare(
            "INSERT INTO gateways(gateway_id, name, type, status, last_seen, created_at,"
            " updated_at) VALUES (?1, ?2, ?3, 'online', ?4, ?4, ?4)"
            " ON CONFLICT(gateway_id) DO UPDATE SET status='online',"
            " last_seen=MAX(COALESCE(last_seen, 0), excluded.last_seen),"
            " updated_at=excluded.updated_at")),
        upsert_node(c.prepare(
            "INSERT INTO nodes(mac, gateway_id, name, type, status, last_seen, created_at,"
            " updated_at) VALUES (?1, ?5, ?2, ?3, 'online', ?4, ?4, ?4)"
            " ON CONFLICT(mac, gateway_id) DO UPDATE SET status='online',"
            " last_seen=MAX(COALESCE(last_seen, 0), excluded.last_seen),"
            " updated_at=excluded.updated_at")),
        insert_readings(c),
        set_device_status(c.prepare(
            "UPDATE devices SET status=?2, updated_at=?3 WHERE device_id=?1")),
        set_gateway_status(c.prepare(
            "UPDATE gateways SET status=?2, updated_at=?3 WHERE gateway_id=?1")),
        set_node_status(c.prepare(
            "UPDATE nodes SET status=?2, updated_at=?3 WHERE mac=?1 AND gateway_id=?4")),
        update_open_ota(c.prepare(
            "UPDATE ota_history SET status=?2, progress=COALESCE(?3, progress),"
            " error=?4, updated_at=?5, completed_at=?6,"
            " firmware_version=CASE WHEN ?7='' THEN firmware_version ELSE ?7 END"
            " WHERE id=(SELECT id FROM ota_history WHERE device_id=?1 AND completed_at IS NULL"
            " ORDER BY created_at DESC, id DESC LIMIT 1)")),
        insert_ota(c.prepare(
            "INSERT INTO ota_history(device_id, firmware_version, status, progress, error,"
            " created_at, updated_at, completed_at) VALUES (?1, ?7, ?2, ?3, ?4, ?5, ?5, ?6)")),
        set_firmware_version(c.prepare(
            "UPDATE devices SET firmware_version=?2, updated_at=?3 WHERE device_id=?1")),
        // A reply to an unknown, someone else's or already settled command changes nothing.
        complete_command(c.prepare(
            "UPDATE commands SET status=?3, result=NULLIF(?4, ''), updated_at=?5"
            " WHERE command_id=?1 AND device_id=?2 AND status IN ('pending', 'sent')")),
        insert_log(c.prepare(
            "INSERT INTO logs(category, level, source, message, details, timestamp)"
            " VALUES (?,?,?,?,?,?)")) {}
};

SqliteTelemetryStore::SqliteTelemetryStore(SqliteDatabase& db) : db_(db) {}
SqliteTelemetryStore::~SqliteTelemetryStore() = default;

void SqliteTelemetryStore::apply(const IngestBatch& batch) {
  db_.write([&](SqliteConnection& c) {
    if (!statements_) statements_ = std::make_unique<IngestStatements>(c);
    IngestStatements& s = *statements_;

    SqliteTransaction tx(c);
    for (const EntitySighting& e : batch.sightings) {
      SqliteStatement& st = e.kind == EntityKind::device    ? s.upsert_device
                            : e.kind == EntityKind::gateway ? s.upsert_gateway
                                                            : s.upsert_node;
      st.bind(1, e.id).bind(2, e.name).bind(3, e.type).bind(4, e.seen_at);
      if (e.kind == EntityKind::node) st.bind(5, e.gateway_id);
      st.run();
    }
    s.insert_readings.insert(batch.readings);
    for (const PresenceChange& p : batch.presence) {
      SqliteStatement& st = p.kind == EntityKind::device    ? s.set_device_status
                            : p.kind == EntityKind::gateway ? s.set_gateway_status
                                                            : s.set_node_status;
      st.bind(1, p.id).bind(2, to_string(p.status)).bind(3, p.at);
      if (p.kind == EntityKind::node) st.bind(4, p.gateway_id);
      st.run();
    }
    for (const OtaResponse& o : batch.ota_responses) {
      std::optional<EpochMs> completed;
      if (is_final_ota_status(o.status)) completed = o.received_at;
      std::optional<std::int64_t> progress;
      if (o.progress) progress = *o.progress;
      s.update_open_ota.bind(1, o.device_id)
          .bind(2, o.status)
          .bind(3, progress)
          .bind(4, o.error)
          .bind(5, o.received_at)
          .bind(6, completed)
          .bind(7, o.firmware_version)
          .run();
      if (c.changes() == 0) {
        // A device reporting an update nobody triggered here (e.g. flashed by hand): keep it.
        s.insert_ota.bind(1, o.device_id)
            .bind(2, o.status)
            .bind(3, progress)
            .bind(4, o.error)
            .bind(5, o.received_at)
            .bind(6, completed)
            .bind(7, o.firmware_version)
            .run();
      }
      if (o.status == "success" && !o.firmware_version.empty()) {
        s.set_firmware_version.bind(1, o.device_id)
            .bind(2, o.firmware_version)
            .bind(3, o.received_at)
            .run();
      }
    }
    for (const CommandReply& r : batch.command_replies) {
      s.complete_command.bind(1, r.command_id)
          .bind(2, r.device_id)
          .bind(3, r.status)
          .bind(4, r.result_json)
          .bind(5, r.received_at)
          .run();
    }
    for (const LogEntry& l : batch.logs) {
      s.insert_log.bind(1, l.category)
          .bind(2, l.level)
          .bind(3, l.source)
          .bind(4, l.message)
          .bind(5, l.details_json)
          .bind(6, l.timestamp)
          .run();
    }
    tx.commit();
  });
}

std::vector<KnownEntity> SqliteTelemetryStore::load_entities() {
  return db_.read([](SqliteConnection& c) {
    std::vector<KnownEntity> out;
    auto load = [&](EntityKind kind, const char* sql) {
      auto q = c.prepare(sql);
      while (q.step()) {
        KnownEntity e;
        e.kind = kind;
        e.id = q.column_text(0);
        e.gateway_id = q.column_text(1);
        e.status = q.column_text(2) == "online" ? Presence::online : Presence::offline;
        e.last_seen = q.column_opt_int(3);
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
