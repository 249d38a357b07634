#include "cluster/pg_timed_query.hpp"

#include <algorithm>

namespace blazeiot {

PgResult timed_query(PgConnection& c, const std::string& sql, std::chrono::milliseconds timeout,
                     const StopSignal& stop) {
  using clock = std::chrono::steady_clock;
  PGconn* conn = c.handle();
  if (PQsendQuery(conn, sql.c_str()) != 1) c.fail(sql);
  const auto deadline = clock::now() + timeout;
  auto remaining = [&] {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()));
  };
  // The query is tiny, but a full send buffer must not block either.
  while (PQflush(conn) == 1) {
    if (remaining().count() == 0) throw StorageError(sql + ": no answer in time");
    if (stop.wait(PQsocket(conn), std::chrono::milliseconds(50)) == StopSignal::Wake::stopped)
      throw StorageError(sql + ": stopped");
  }
  PgResult last;
  for (;;) {
    while (PQisBusy(conn)) {
      auto left = remaining();
      if (left.count() == 0) throw StorageError(sql + ": no answer in time");
      if (stop.wait(PQsocket(conn), left) == StopSignal::Wake::stopped)
        throw StorageError(sql + ": stopped");
      if (PQconsumeInput(conn) != 1) c.fail(sql);
    }
    PGresult* r = PQgetResult(conn);
    if (!r) break;
    last = PgResult(r);
    ExecStatusType status = PQresultStatus(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      // Read the rest so the connection is idle again, then report this one.
      while (PGresult* extra = PQgetResult(conn)) PQclear(extra);
      c.check(last.release(), sql, PGRES_TUPLES_OK);
    }
  }
  return last;
}

}  // namespace blazeiot
