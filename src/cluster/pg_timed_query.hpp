#pragma once
// A query that gives up after a deadline. The cluster's own connections (leadership, the
// event stream) must notice a server that stopped answering in seconds, not after the TCP
// timeouts (half a minute): a leader that cannot reach the database must stop leading.
#include <chrono>
#include <string>

#include "cluster/stop_signal.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace blazeiot {

// Throws StorageError on failure, on timeout (the connection is then unusable: drop it) and
// when `stop` is raised.
PgResult timed_query(PgConnection& c, const std::string& sql, std::chrono::milliseconds timeout,
                     const StopSignal& stop);

}  // namespace blazeiot
