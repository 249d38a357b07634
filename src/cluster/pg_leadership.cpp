#include "cluster/pg_leadership.hpp"

#include <spdlog/spdlog.h>

#include "cluster/pg_timed_query.hpp"
#include "core/thread_name.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace blazeiot {

namespace {
// The server's side of the lock's connection: without these, a leader that vanished without
// closing its connection (power loss, network cut) would keep the lock for the operating
// system's default of two hours.
constexpr const char* kServerKeepalives =
    "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5;"
    " SET tcp_keepalives_count = 3";
constexpr const char* kTryLock = "SELECT pg_try_advisory_lock(hashtext('blazeiot.leader'))";
}  // namespace

PgLeadership::PgLeadership(std::string conninfo, std::function<void(bool)> on_change,
                           PgLeadershipOptions options)
    : conninfo_(std::move(conninfo)), on_change_(std::move(on_change)), options_(options) {}

PgLeadership::~PgLeadership() { stop(); }

void PgLeadership::start() {
  thread_ = std::thread([this] {
    name_this_thread("pg-leadership");
    run();
  });
}

void PgLeadership::stop() {
  stop_.raise();
  if (thread_.joinable()) thread_.join();
}

void PgLeadership::set_leader(bool leader) {
  if (leader_.exchange(leader) != leader && on_change_) on_change_(leader);
}

void PgLeadership::check(std::unique_ptr<PgConnection>& c) {
  if (!c) {
    c = std::make_unique<PgConnection>(conninfo_);
    c->exec(kServerKeepalives);
  }
  if (!leader_) {
    PgResult r = timed_query(*c, kTryLock, options_.answer_timeout, stop_);
    if (r.rows() == 1 && r.text(0, 0) == "t") set_leader(true);
  } else {
    timed_query(*c, "SELECT 1", options_.answer_timeout, stop_);
  }
}

void PgLeadership::run() {
  std::unique_ptr<PgConnection> c;
  bool failing = false;
  while (!stop_.raised()) {
    try {
      check(c);
      if (failing) spdlog::info("[cluster] leadership connection to PostgreSQL is back");
      failing = false;
    } catch (const std::exception& e) {
      // stop() interrupts a query in flight: that is the process going away, not a lost
      // lock, and ends as quietly as below.
      if (stop_.raised()) break;
      set_leader(false);
      c.reset();
      if (!failing)
        spdlog::warn("[cluster] leadership connection failed (retrying every {} ms): {}",
                     options_.check_interval.count(), e.what());
      failing = true;
    }
    // Between checks, a server that closes the session (restart, pg_terminate_backend) is
    // noticed at once: the socket turns readable.
    if (stop_.wait(c ? PQsocket(c->handle()) : -1, options_.check_interval) ==
            StopSignal::Wake::readable &&
        (PQconsumeInput(c->handle()) != 1 || PQstatus(c->handle()) != CONNECTION_OK)) {
      spdlog::warn("[cluster] leadership connection closed by the server");
      set_leader(false);
      c.reset();
    }
  }
  leader_ = false;  // quietly: the process is going away (and so is its logger)
}

}  // namespace blazeiot
