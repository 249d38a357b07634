#include "storage/sqlite/sqlite_stats_store.hpp"

namespace blazeiot {

InventoryCounts SqliteStatsStore::inventory_counts() {
  return db_.read([](SqliteConnection& c) {
    auto q = c.prepare(
        "SELECT (SELECT COUNT(*) FROM devices),"
        " (SELECT COUNT(*) FROM devices WHERE status = 'online'),"
        " (SELECT COUNT(*) FROM gateways),"
        " (SELECT COUNT(*) FROM gateways WHERE status = 'online'),"
        " (SELECT COUNT(*) FROM nodes),"
        " (SELECT COUNT(*) FROM nodes WHERE status = 'online')");
    InventoryCounts n;
    if (q.step()) {
      n.devices = q.column_int(0);
      n.devices_online = q.column_int(1);
      n.gateways = q.column_int(2);
      n.gateways_online = q.column_int(3);
      n.nodes = q.column_int(4);
      n.nodes_online = q.column_int(5);
    }
    return n;
  });
}

}  // namespace blazeiot
