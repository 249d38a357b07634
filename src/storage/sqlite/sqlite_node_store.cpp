#include "storage/sqlite/sqlite_node_store.hpp"

#include "storage/sqlite/sqlite_where_clause.hpp"

namespace blazeiot {
namespace {

constexpr const char* kSelectNode =
    "SELECT id, mac, gateway_id, name, type, status, last_seen, metadata, created_at,"
    " updated_at FROM nodes";

NodeRecord read_node(const SqliteStatement& q) {
  NodeRecord r;
  r.id = q.column_int(0);
  r.node.mac = q.column_text(1);
  r.node.gateway_id = q.column_text(2);
  r.node.name = q.column_text(3);
  r.node.type = q.column_text(4);
  r.node.status = q.column_text(5) == "online" ? Presence::online : Presence::offline;
  r.node.last_seen = q.column_opt_int(6);
  r.node.metadata_json = q.column_text(7);
  r.node.created_at = q.column_int(8);
  r.node.updated_at = q.column_int(9);
  return r;
}

}  // namespace

std::vector<NodeRecord> SqliteNodeStore::list(const NodeFilter& filter) {
  SqliteWhereClause where;
  where.add_if(filter.gateway_id, "gateway_id = ?");
  where.add_if(filter.mac, "mac = ?");
  if (filter.status) where.add("status = ?", std::string(to_string(*filter.status)));
  const std::string page = where.page_sql(filter.page);
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(kSelectNode + where.sql() + " ORDER BY gateway_id, mac" + page);
    where.bind(q);
    std::vector<NodeRecord> out;
    while (q.step()) out.push_back(read_node(q));
    return out;
  });
}

std::optional<NodeRecord> SqliteNodeStore::update(std::string_view mac, std::string_view gateway_id,
                                                  const NodeChanges& ch, EpochMs now) {
  return db_.write([&](SqliteConnection& c) -> std::optional<NodeRecord> {
    c.prepare(
         "UPDATE nodes SET name = COALESCE(?3, name), type = COALESCE(?4, type),"
         " metadata = COALESCE(?5, metadata), updated_at = ?6 WHERE mac = ?1 AND gateway_id = ?2")
        .bind(1, mac)
        .bind(2, gateway_id)
        .bind(3, ch.name)
        .bind(4, ch.type)
        .bind(5, ch.metadata_json)
        .bind(6, now)
        .run();
    if (c.changes() == 0) return std::nullopt;
    auto q = c.prepare(std::string(kSelectNode) + " WHERE mac = ? AND gateway_id = ?");
    q.bind(1, mac).bind(2, gateway_id);
    if (!q.step()) return std::nullopt;
    return read_node(q);
  });
}

bool SqliteNodeStore::remove(std::string_view mac, std::string_view gateway_id) {
  return db_.write([&](SqliteConnection& c) {
    SqliteTransaction tx(c);
    c.prepare("DELETE FROM nodes WHERE mac = ? AND gateway_id = ?")
        .bind(1, mac)
        .bind(2, gateway_id)
        .run();
    if (c.changes() == 0) return false;
    c.prepare(
         "DELETE FROM sensor_data WHERE source_type = 'node' AND source_id = ? AND gateway_id = ?")
        .bind(1, mac)
        .bind(2, gateway_id)
        .run();
    tx.commit();
    return true;
  });
}

}  // namespace blazeiot
