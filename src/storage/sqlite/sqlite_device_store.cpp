#include "storage/sqlite/sqlite_device_store.hpp"

#include "storage/sqlite/sqlite_where_clause.hpp"

namespace blazeiot {
namespace {

constexpr const char* kSelectDevice =
    "SELECT device_id, name, type, firmware_version, status, last_seen, metadata, created_at,"
    " updated_at FROM devices";

Device read_device(const SqliteStatement& q) {
  Device d;
  d.device_id = q.column_text(0);
  d.name = q.column_text(1);
  d.type = q.column_text(2);
  d.firmware_version = q.column_text(3);
  d.status = q.column_text(4) == "online" ? Presence::online : Presence::offline;
  d.last_seen = q.column_opt_int(5);
  d.metadata_json = q.column_text(6);
  d.created_at = q.column_int(7);
  d.updated_at = q.column_int(8);
  return d;
}

std::optional<Device> find_device_on(SqliteConnection& c, std::string_view device_id) {
  auto q = c.prepare(std::string(kSelectDevice) + " WHERE device_id = ?");
  q.bind(1, device_id);
  if (!q.step()) return std::nullopt;
  return read_device(q);
}

}  // namespace

std::vector<Device> SqliteDeviceStore::list(const DeviceFilter& filter) {
  SqliteWhereClause where;
  if (filter.status) where.add("status = ?", std::string(to_string(*filter.status)));
  where.add_if(filter.type, "type = ?");
  const std::string page = where.page_sql(filter.page);
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(kSelectDevice + where.sql() + " ORDER BY device_id" + page);
    where.bind(q);
    std::vector<Device> out;
    while (q.step()) out.push_back(read_device(q));
    return out;
  });
}

std::optional<Device> SqliteDeviceStore::find(std::string_view device_id) {
  return db_.read([&](SqliteConnection& c) { return find_device_on(c, device_id); });
}

bool SqliteDeviceStore::create(const Device& d) {
  return db_.write([&](SqliteConnection& c) {
    c.prepare(
         "INSERT INTO devices(device_id, name, type, firmware_version, status, last_seen,"
         " metadata, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)"
         " ON CONFLICT(device_id) DO NOTHING")
        .bind(1, d.device_id)
        .bind(2, d.name)
        .bind(3, d.type)
        .bind(4, d.firmware_version)
        .bind(5, to_string(d.status))
        .bind(6, d.last_seen)
        .bind(7, d.metadata_json)
        .bind(8, d.created_at)
        .bind(9, d.updated_at)
        .run();
    return c.changes() == 1;
  });
}

std::optional<Device> SqliteDeviceStore::update(std::string_view device_id, const DeviceChanges& ch,
                                                EpochMs now) {
  return db_.write([&](SqliteConnection& c) -> std::optional<Device> {
    c.prepare(
         "UPDATE devices SET name = COALESCE(?2, name), type = COALESCE(?3, type),"
         " firmware_version = COALESCE(?4, firmware_version),"
         " metadata = COALESCE(?5, metadata), updated_at = ?6 WHERE device_id = ?1")
        .bind(1, device_id)
        .bind(2, ch.name)
        .bind(3, ch.type)
        .bind(4, ch.firmware_version)
        .bind(5, ch.metadata_json)
        .bind(6, now)
        .run();
    if (c.changes() == 0) return std::nullopt;
    return find_device_on(c, device_id);
  });
}

bool SqliteDeviceStore::remove(std::string_view device_id) {
  return db_.write([&](SqliteConnection& c) {
    SqliteTransaction tx(c);
    c.prepare("DELETE FROM devices WHERE device_id = ?").bind(1, device_id).run();
    if (c.changes() == 0) return false;
    c.prepare("DELETE FROM sensor_data WHERE source_type = 'device' AND source_id = ?")
        .bind(1, device_id)
        .run();
    tx.commit();
    return true;
  });
}

}  // namespace blazeiot
