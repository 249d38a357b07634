#include "storage/sqlite/sqlite_firmware_store.hpp"

#include "storage/ota_records.hpp"
#include "storage/sqlite/sqlite_row.hpp"
#include "storage/sqlite/sqlite_where_clause.hpp"

namespace blazeiot {
namespace {

using ota_records::read_firmware;

std::string select_firmware(std::string_view rest) {
  return std::string("SELECT ") + ota_records::kFirmwareColumns + " FROM firmware" +
         std::string(rest);
}

}  // namespace

std::optional<Firmware> SqliteFirmwareStore::create(const Firmware& f) {
  return db_.write([&](SqliteConnection& c) -> std::optional<Firmware> {
    c.prepare(
         "INSERT INTO firmware(version, device_type, description, filename, size, sha256,"
         " manifest, signature, uploaded_by, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
         " ON CONFLICT(device_type, version) DO NOTHING")
        .bind(1, f.version)
        .bind(2, f.device_type)
        .bind(3, f.description)
        .bind(4, f.filename)
        .bind(5, f.size)
        .bind(6, f.sha256)
        .bind(7, f.manifest)
        .bind(8, f.signature)
        .bind(9, f.uploaded_by)
        .bind(10, f.created_at)
        .run();
    if (c.changes() == 0) return std::nullopt;
    Firmware stored = f;
    stored.id = c.last_insert_rowid();
    return stored;
  });
}

std::vector<Firmware> SqliteFirmwareStore::list(std::optional<std::string_view> device_type) {
  SqliteWhereClause where;
  if (device_type) where.add("device_type = ?", std::string(*device_type));
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(select_firmware(where.sql() + " ORDER BY created_at DESC, id DESC"));
    where.bind(q);
    return read_rows(q, read_firmware<SqliteRow>);
  });
}

std::optional<Firmware> SqliteFirmwareStore::find(std::int64_t id) {
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(select_firmware(" WHERE id = ?"));
    q.bind(1, id);
    return read_first(q, read_firmware<SqliteRow>);
  });
}

std::vector<Firmware> SqliteFirmwareStore::find_version(std::string_view version) {
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(select_firmware(" WHERE version = ? ORDER BY device_type"));
    q.bind(1, version);
    return read_rows(q, read_firmware<SqliteRow>);
  });
}

bool SqliteFirmwareStore::remove(std::int64_t id) {
  return db_.write([&](SqliteConnection& c) {
    c.prepare("DELETE FROM firmware WHERE id = ?").bind(1, id).run();
    return c.changes() > 0;
  });
}

}  // namespace blazeiot
