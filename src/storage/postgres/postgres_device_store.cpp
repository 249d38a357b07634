#include "storage/postgres/postgres_device_store.hpp"

#include "storage/postgres/pg_where_clause.hpp"

namespace blazeiot {
namespace {

constexpr const char* kDeviceColumns =
    "device_id, name, type, firmware_version, status, last_seen, metadata, created_at,"
    " updated_at";

Device read_device(const PgResult& q, int row) {
  Device d;
  d.device_id = q.string(row, 0);
  d.name = q.string(row, 1);
  d.type = q.string(row, 2);
  d.firmware_version = q.string(row, 3);
  d.status = q.text(row, 4) == "online" ? Presence::online : Presence::offline;
  d.last_seen = q.opt_int64(row, 5);
  d.metadata_json = q.string(row, 6);
  d.created_at = q.int64(row, 7);
  d.updated_at = q.int64(row, 8);
  return d;
}

std::optional<Device> first_device(const PgResult& q) {
  if (q.rows() == 0) return std::nullopt;
  return read_device(q, 0);
}

}  // namespace

std::vector<Device> PostgresDeviceStore::list(const DeviceFilter& filter) {
  PgWhereClause where;
  if (filter.status) where.add("status = ", to_string(*filter.status));
  where.add_if(filter.type, "type = ");
  // COLLATE "C": byte order, the same whatever the database's locale (and as in SQLite).
  std::string sql = std::string("SELECT ") + kDeviceColumns + " FROM devices" + where.sql() +
                    " ORDER BY device_id COLLATE \"C\"";
  sql += where.page_sql(filter.page);
  return pool_.run([&](PgConnection& c) {
    PgResult q = c.query(sql, where.params());
    std::vector<Device> out;
    out.reserve(static_cast<std::size_t>(q.rows()));
    for (int i = 0; i < q.rows(); ++i) out.push_back(read_device(q, i));
    return out;
  });
}

std::optional<Device> PostgresDeviceStore::find(std::string_view device_id) {
  return pool_.run([&](PgConnection& c) {
    return first_device(c.query(std::string("SELECT ") + kDeviceColumns +
                                    " FROM devices WHERE device_id = $1",
                                PgParams().add(device_id)));
  });
}

bool PostgresDeviceStore::create(const Device& d) {
  return pool_.run([&](PgConnection& c) {
    return c.query(
                "INSERT INTO devices(device_id, name, type, firmware_version, status, last_seen,"
                " metadata, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)"
                " ON CONFLICT (device_id) DO NOTHING",
                PgParams()
                    .add(d.device_id)
                    .add(d.name)
                    .add(d.type)
                    .add(d.firmware_version)
                    .add(to_string(d.status))
                    .add(d.last_seen)
                    .add(d.metadata_json)
                    .add(d.created_at)
                    .add(d.updated_at))
               .affected() == 1;
  });
}

std::optional<Device> PostgresDeviceStore::update(std::string_view device_id,
                                                  const DeviceChanges& ch, EpochMs now) {
  return pool_.run([&](PgConnection& c) {
    return first_device(c.query(
        std::string("UPDATE devices SET name = COALESCE($2, name), type = COALESCE($3, type),"
                    " firmware_version = COALESCE($4, firmware_version),"
                    " metadata = COALESCE($5, metadata), updated_at = $6 WHERE device_id = $1"
                    " RETURNING ") +
            kDeviceColumns,
        PgParams()
            .add(device_id)
            .add(ch.name)
            .add(ch.type)
            .add(ch.firmware_version)
            .add(ch.metadata_json)
            .add(now)));
  });
}

bool PostgresDeviceStore::remove(std::string_view device_id) {
  return pool_.run([&](PgConnection& c) {
    PgTransaction tx(c);
    if (c.query("DELETE FROM devices WHERE device_id = $1", PgParams().add(device_id))
            .affected() == 0)
      return false;
    c.query("DELETE FROM sensor_data WHERE source_type = 'device' AND source_id = $1",
            PgParams().add(device_id));
    tx.commit();
    return true;
  });
}

}  // namespace blazeiot
