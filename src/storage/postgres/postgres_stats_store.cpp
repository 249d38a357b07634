#include "storage/postgres/postgres_stats_store.hpp"

namespace blazeiot {

InventoryCounts PostgresStatsStore::inventory_counts() {
  return pool_.run([](PgConnection& c) {
    PgResult q = c.query(
        "SELECT (SELECT COUNT(*) FROM devices),"
        " (SELECT COUNT(*) FROM devices WHERE status = 'online'),"
        " (SELECT COUNT(*) FROM gateways),"
        " (SELECT COUNT(*) FROM gateways WHERE status = 'online'),"
        " (SELECT COUNT(*) FROM nodes),"
        " (SELECT COUNT(*) FROM nodes WHERE status = 'online')");
    InventoryCounts n;
    n.devices = q.int64(0, 0);
    n.devices_online = q.int64(0, 1);
    n.gateways = q.int64(0, 2);
    n.gateways_online = q.int64(0, 3);
    n.nodes = q.int64(0, 4);
    n.nodes_online = q.int64(0, 5);
    return n;
  });
}

}  // namespace blazeiot
