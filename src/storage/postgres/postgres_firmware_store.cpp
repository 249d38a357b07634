#include "storage/postgres/postgres_firmware_store.hpp"

#include "storage/ota_records.hpp"
#include "storage/postgres/pg_row.hpp"
#include "storage/postgres/pg_where_clause.hpp"

namespace blazeiot {
namespace {

using ota_records::read_firmware;

std::string select_firmware(std::string_view rest) {
  return std::string("SELECT ") + ota_records::kFirmwareColumns + " FROM firmware" +
         std::string(rest);
}

}  // namespace

std::optional<Firmware> PostgresFirmwareStore::create(const Firmware& f) {
  return pool_.run([&](PgConnection& c) -> std::optional<Firmware> {
    PgResult q = c.query(
        "INSERT INTO firmware(version, device_type, description, filename, size, sha256,"
        " manifest, signature, uploaded_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"
        " ON CONFLICT (device_type, version) DO NOTHING RETURNING id",
        PgParams()
            .add(f.version)
            .add(f.device_type)
            .add(f.description)
            .add(f.filename)
            .add(f.size)
            .add(f.sha256)
            .add(f.manifest)
            .add(f.signature)
            .add(f.uploaded_by)
            .add(f.created_at));
    if (q.rows() == 0) return std::nullopt;
    Firmware stored = f;
    stored.id = q.int64(0, 0);
    return stored;
  });
}

std::vector<Firmware> PostgresFirmwareStore::list(std::optional<std::string_view> device_type) {
  PgWhereClause where;
  if (device_type) where.add("device_type = ", *device_type);
  return pool_.run([&](PgConnection& c) {
    return read_rows(
        c.query(select_firmware(where.sql() + " ORDER BY created_at DESC, id DESC"),
                where.params()),
        read_firmware<PgRow>);
  });
}

std::optional<Firmware> PostgresFirmwareStore::find(std::int64_t id) {
  return pool_.run([&](PgConnection& c) {
    return read_first(c.query(select_firmware(" WHERE id = $1"), PgParams().add(id)),
                      read_firmware<PgRow>);
  });
}

std::vector<Firmware> PostgresFirmwareStore::find_version(std::string_view version) {
  return pool_.run([&](PgConnection& c) {
    // COLLATE "C": byte order, the same whatever the database's locale (and as in SQLite).
    return read_rows(
        c.query(select_firmware(" WHERE version = $1 ORDER BY device_type COLLATE \"C\""),
                PgParams().add(version)),
        read_firmware<PgRow>);
  });
}

bool PostgresFirmwareStore::remove(std::int64_t id) {
  return pool_.run([&](PgConnection& c) {
    return c.query("DELETE FROM firmware WHERE id = $1", PgParams().add(id)).affected() > 0;
  });
}

}  // namespace blazeiot
