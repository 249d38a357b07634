#include "storage/postgres/postgres_node_store.hpp"

#include "storage/postgres/pg_where_clause.hpp"

namespace blazeiot {
namespace {

constexpr const char* kNodeColumns =
    "id, mac, gateway_id, name, type, status, last_seen, metadata, created_at, updated_at";

NodeRecord read_node(const PgResult& q, int row) {
  NodeRecord r;
  r.id = q.int64(row, 0);
  r.node.mac = q.string(row, 1);
  r.node.gateway_id = q.string(row, 2);
  r.node.name = q.string(row, 3);
  r.node.type = q.string(row, 4);
  r.node.status = q.text(row, 5) == "online" ? Presence::online : Presence::offline;
  r.node.last_seen = q.opt_int64(row, 6);
  r.node.metadata_json = q.string(row, 7);
  r.node.created_at = q.int64(row, 8);
  r.node.updated_at = q.int64(row, 9);
  return r;
}

}  // namespace

std::vector<NodeRecord> PostgresNodeStore::list(const NodeFilter& filter) {
  PgWhereClause where;
  where.add_if(filter.gateway_id, "gateway_id = ");
  where.add_if(filter.mac, "mac = ");
  if (filter.status) where.add("status = ", to_string(*filter.status));
  std::string sql = std::string("SELECT ") + kNodeColumns + " FROM nodes" + where.sql() +
                    " ORDER BY gateway_id COLLATE \"C\", mac COLLATE \"C\"";
  sql += where.page_sql(filter.page);
  return pool_.run([&](PgConnection& c) {
    PgResult q = c.query(sql, where.params());
    std::vector<NodeRecord> out;
    out.reserve(static_cast<std::size_t>(q.rows()));
    for (int i = 0; i < q.rows(); ++i) out.push_back(read_node(q, i));
    return out;
  });
}

std::optional<NodeRecord> PostgresNodeStore::update(std::string_view mac,
                                                    std::string_view gateway_id,
                                                    const NodeChanges& ch, EpochMs now) {
  return pool_.run([&](PgConnection& c) -> std::optional<NodeRecord> {
    PgResult q = c.query(
        std::string("UPDATE nodes SET name = COALESCE($3, name), type = COALESCE($4, type),"
                    " metadata = COALESCE($5, metadata), updated_at = $6"
                    " WHERE mac = $1 AND gateway_id = $2 RETURNING ") +
            kNodeColumns,
        PgParams().add(mac).add(gateway_id).add(ch.name).add(ch.type).add(ch.metadata_json).add(
            now));
    if (q.rows() == 0) return std::nullopt;
    return read_node(q, 0);
  });
}

bool PostgresNodeStore::remove(std::string_view mac, std::string_view gateway_id) {
  return pool_.run([&](PgConnection& c) {
    PgTransaction tx(c);
    if (c.query("DELETE FROM nodes WHERE mac = $1 AND gateway_id = $2",
                PgParams().add(mac).add(gateway_id))
            .affected() == 0)
      return false;
    c.query(
        "DELETE FROM sensor_data WHERE source_type = 'node' AND source_id = $1"
        " AND gateway_id = $2",
        PgParams().add(mac).add(gateway_id));
    tx.commit();
    return true;
  });
}

}  // namespace blazeiot
