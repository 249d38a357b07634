#include "storage/postgres/postgres_storage.hpp"

#include "core/clock.hpp"
#include "storage/postgres/pg_migrations.hpp"

namespace blazeiot {

PostgresStorage::PostgresStorage(std::string conninfo, PgPoolOptions options)
    : pool_(std::move(conninfo), options) {}

int PostgresStorage::migrate() {
  return pool_.run([](PgConnection& c) {
    int version = pg_migrate(c);
    // The ingest writer keeps extending this as months pass.
    c.query("SELECT sensor_data_ensure_partitions($1, $2)",
            PgParams().add(SystemClock().now_ms()).add(kSensorDataMonthsAhead));
    return version;
  });
}

std::int64_t PostgresStorage::size_bytes() {
  return pool_.run([](PgConnection& c) {
    return c.query("SELECT pg_database_size(current_database())").int64(0, 0);
  });
}

std::unique_ptr<Storage> make_postgres_storage(const std::string& conninfo) {
  return std::make_unique<PostgresStorage>(conninfo);
}

}  // namespace blazeiot
