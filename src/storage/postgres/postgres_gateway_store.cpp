#include "storage/postgres/postgres_gateway_store.hpp"

#include "storage/postgres/pg_where_clause.hpp"

namespace blazeiot {
namespace {

constexpr const char* kSelectGateway =
    "SELECT g.gateway_id, g.name, g.type, g.status, g.last_seen, g.metadata, g.created_at,"
    " g.updated_at, (SELECT COUNT(*) FROM nodes n WHERE n.gateway_id = g.gateway_id)"
    " FROM gateways g";

Gateway read_gateway(const PgResult& q, int row) {
  Gateway g;
  g.gateway_id = q.string(row, 0);
  g.name = q.string(row, 1);
  g.type = q.string(row, 2);
  g.status = q.text(row, 3) == "online" ? Presence::online : Presence::offline;
  g.last_seen = q.opt_int64(row, 4);
  g.metadata_json = q.string(row, 5);
  g.created_at = q.int64(row, 6);
  g.updated_at = q.int64(row, 7);
  g.node_count = q.int64(row, 8);
  return g;
}

std::optional<Gateway> find_on(PgConnection& c, std::string_view gateway_id) {
  PgResult q = c.query(std::string(kSelectGateway) + " WHERE g.gateway_id = $1",
                       PgParams().add(gateway_id));
  if (q.rows() == 0) return std::nullopt;
  return read_gateway(q, 0);
}

}  // namespace

std::vector<Gateway> PostgresGatewayStore::list(const GatewayFilter& filter) {
  PgWhereClause where;
  if (filter.status) where.add("g.status = ", to_string(*filter.status));
  where.add_if(filter.type, "g.type = ");
  std::string sql = kSelectGateway + where.sql() + " ORDER BY g.gateway_id COLLATE \"C\"";
  sql += where.page_sql(filter.page);
  return pool_.run([&](PgConnection& c) {
    PgResult q = c.query(sql, where.params());
    std::vector<Gateway> out;
    out.reserve(static_cast<std::size_t>(q.rows()));
    for (int i = 0; i < q.rows(); ++i) out.push_back(read_gateway(q, i));
    return out;
  });
}

std::optional<Gateway> PostgresGatewayStore::find(std::string_view gateway_id) {
  return pool_.run([&](PgConnection& c) { return find_on(c, gateway_id); });
}

bool PostgresGatewayStore::create(const Gateway& g) {
  return pool_.run([&](PgConnection& c) {
    return c.query(
                "INSERT INTO gateways(gateway_id, name, type, status, last_seen, metadata,"
                " created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)"
                " ON CONFLICT (gateway_id) DO NOTHING",
                PgParams()
                    .add(g.gateway_id)
                    .add(g.name)
                    .add(g.type)
                    .add(to_string(g.status))
                    .add(g.last_seen)
                    .add(g.metadata_json)
                    .add(g.created_at)
                    .add(g.updated_at))
               .affected() == 1;
  });
}

std::optional<Gateway> PostgresGatewayStore::update(std::string_view gateway_id,
                                                    const GatewayChanges& ch, EpochMs now) {
  return pool_.run([&](PgConnection& c) -> std::optional<Gateway> {
    if (c.query("UPDATE gateways SET name = COALESCE($2, name), type = COALESCE($3, type),"
                " metadata = COALESCE($4, metadata), updated_at = $5 WHERE gateway_id = $1",
                PgParams().add(gateway_id).add(ch.name).add(ch.type).add(ch.metadata_json).add(now))
            .affected() == 0)
      return std::nullopt;
    return find_on(c, gateway_id);
  });
}

bool PostgresGatewayStore::remove(std::string_view gateway_id) {
  return pool_.run([&](PgConnection& c) {
    PgTransaction tx(c);
    // Nodes go with the gateway (foreign key cascade); their readings are removed here.
    if (c.query("DELETE FROM gateways WHERE gateway_id = $1", PgParams().add(gateway_id))
            .affected() == 0)
      return false;
    c.query("DELETE FROM sensor_data WHERE gateway_id = $1 AND source_type = 'node'",
            PgParams().add(gateway_id));
    tx.commit();
    return true;
  });
}

}  // namespace blazeiot
