#include "storage/sqlite/sqlite_gateway_store.hpp"

#include "storage/sqlite/sqlite_where_clause.hpp"

namespace blazeiot {
namespace {

constexpr const char* kSelectGateway =
    "SELECT g.gateway_id, g.name, g.type, g.status, g.last_seen, g.metadata, g.created_at,"
    " g.updated_at, (SELECT COUNT(*) FROM nodes n WHERE n.gateway_id = g.gateway_id)"
    " FROM gateways g";

Gateway read_gateway(const SqliteStatement& q) {
  Gateway g;
  g.gateway_id = q.column_text(0);
  g.name = q.column_text(1);
  g.type = q.column_text(2);
  g.status = q.column_text(3) == "online" ? Presence::online : Presence::offline;
  g.last_seen = q.column_opt_int(4);
  g.metadata_json = q.column_text(5);
  g.created_at = q.column_int(6);
  g.updated_at = q.column_int(7);
  g.node_count = q.column_int(8);
  return g;
}

std::optional<Gateway> find_gateway_on(SqliteConnection& c, std::string_view gateway_id) {
  auto q = c.prepare(std::string(kSelectGateway) + " WHERE g.gateway_id = ?");
  q.bind(1, gateway_id);
  if (!q.step()) return std::nullopt;
  return read_gateway(q);
}

}  // namespace

std::vector<Gateway> SqliteGatewayStore::list(const GatewayFilter& filter) {
  SqliteWhereClause where;
  if (filter.status) where.add("g.status = ?", std::string(to_string(*filter.status)));
  where.add_if(filter.type, "g.type = ?");
  const std::string page = where.page_sql(filter.page);
  return db_.read([&](SqliteConnection& c) {
    auto q = c.prepare(kSelectGateway + where.sql() + " ORDER BY g.gateway_id" + page);
    where.bind(q);
    std::vector<Gateway> out;
    while (q.step()) out.push_back(read_gateway(q));
    return out;
  });
}

std::optional<Gateway> SqliteGatewayStore::find(std::string_view gateway_id) {
  return db_.read([&](SqliteConnection& c) { return find_gateway_on(c, gateway_id); });
}

bool SqliteGatewayStore::create(const Gateway& g) {
  return db_.write([&](SqliteConnection& c) {
    c.prepare(
         "INSERT INTO gateways(gateway_id, name, type, status, last_seen, metadata, created_at,"
         " updated_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(gateway_id) DO NOTHING")
        .bind(1, g.gateway_id)
        .bind(2, g.name)
        .bind(3, g.type)
        .bind(4, to_string(g.status))
        .bind(5, g.last_seen)
        .bind(6, g.metadata_json)
        .bind(7, g.created_at)
        .bind(8, g.updated_at)
        .run();
    return c.changes() == 1;
  });
}

std::optional<Gateway> SqliteGatewayStore::update(std::string_view gateway_id,
                                                  const GatewayChanges& ch, EpochMs now) {
  return db_.write([&](SqliteConnection& c) -> std::optional<Gateway> {
    c.prepare(
         "UPDATE gateways SET name = COALESCE(?2, name), type = COALESCE(?3, type),"
         " metadata = COALESCE(?4, metadata), updated_at = ?5 WHERE gateway_id = ?1")
        .bind(1, gateway_id)
        .bind(2, ch.name)
        .bind(3, ch.type)
        .bind(4, ch.metadata_json)
        .bind(5, now)
        .run();
    if (c.changes() == 0) return std::nullopt;
    return find_gateway_on(c, gateway_id);
  });
}

bool SqliteGatewayStore::remove(std::string_view gateway_id) {
  return db_.write([&](SqliteConnection& c) {
    SqliteTransaction tx(c);
    c.prepare("DELETE FROM gateways WHERE gateway_id = ?").bind(1, gateway_id).run();
    if (c.changes() == 0) return false;
    // Nodes go with the gateway (foreign key cascade); their readings are removed here.
    c.prepare("DELETE FROM nodes WHERE gateway_id = ?").bind(1, gateway_id).run();
    c.prepare("DELETE FROM sensor_data WHERE gateway_id = ? AND source_type = 'node'")
        .bind(1, gateway_id)
        .run();
    tx.commit();
    return true;
  });
}

}  // namespace blazeiot
