#pragma once
#include <span>

#include "storage/postgres/pg_connection.hpp"
#include "storage/migration.hpp"

namespace blazeiot {

// Ordered, append-only: a released migration is never edited, a change is a new entry.
// Same tables and meaning as the SQLite schema of the same version.
std::span<const Migration> pg_migrations();

// Months after the current one whose sensor_data partition exists in advance, so the first
// readings of a month never wait for DDL.
constexpr int kSensorDataMonthsAhead = 2;

// Applies the pending migrations in one transaction, serialised between instances by an
// advisory lock; returns the schema version afterwards.
int pg_migrate(PgConnection& c);

}  // namespace blazeiot
