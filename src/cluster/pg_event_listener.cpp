#include "cluster/pg_event_listener.hpp"

#include <spdlog/spdlog.h>

#include <memory>

#include "cluster/batch_announcer.hpp"
#include "cluster/pg_timed_query.hpp"
#include "core/thread_name.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace blazeiot {

PgEventListener::PgEventListener(std::string conninfo, PgEventListenerHandlers handlers)
    : conninfo_(std::move(conninfo)), handlers_(std::move(handlers)) {}

PgEventListener::~PgEventListener() { stop(); }

void PgEventListener::start() {
  thread_ = std::thread([this] {
    name_this_thread("pg-events");
    run();
  });
}

void PgEventListener::stop() {
  stop_.raise();
  if (thread_.joinable()) thread_.join();
}

void PgEventListener::send(std::vector<std::string> payloads) {
  {
    std::lock_guard lock(outbox_mutex_);
    for (std::string& p : payloads) outbox_.push_back(std::move(p));
    while (outbox_.size() > kMaxOutbox) outbox_.pop_front();
  }
  stop_.nudge();
}

void PgEventListener::flush_outbox(PgConnection& c) {
  std::deque<std::string> pending;
  {
    std::lock_guard lock(outbox_mutex_);
    pending.swap(outbox_);
  }
  // A few events at a time are the norm; one round trip for all of them.
  std::string sql;
  for (const std::string& p : pending) {
    char* literal = PQescapeLiteral(c.handle(), p.data(), p.size());
    if (!literal) c.fail("escaping an announcement");
    sql += sql.empty() ? "SELECT " : "; SELECT ";
    sql += std::string("pg_notify('") + kClusterChannel + "', " + literal + ")";
    PQfreemem(literal);
  }
  if (!sql.empty()) timed_query(c, sql, std::chrono::milliseconds(3000), stop_);
}

void PgEventListener::run() {
  AnnouncementDecoder decoder(this_instance_id());
  std::unique_ptr<PgConnection> c;
  bool listening = false;
  bool failing = false;
  std::uint64_t malformed_reported = 0;
  auto malformed_logged_at = std::chrono::steady_clock::time_point{};
  while (!stop_.raised()) {
    try {
      if (!c) {
        c = std::make_unique<PgConnection>(conninfo_);
        c->exec(std::string("LISTEN ") + kClusterChannel);
        decoder.reset();
        listening = true;
        if (handlers_.on_connected) handlers_.on_connected();
        if (failing) spdlog::info("[cluster] event stream from PostgreSQL is back");
        failing = false;
      }
      PGconn* conn = c->handle();
      switch (stop_.wait(PQsocket(conn), probe_interval_)) {
        case StopSignal::Wake::stopped:
          continue;
        case StopSignal::Wake::timeout:
          timed_query(*c, "SELECT 1", std::chrono::milliseconds(3000), stop_);
          break;
        case StopSignal::Wake::readable:
          if (PQconsumeInput(conn) != 1) c->fail("event stream");
          break;
        case StopSignal::Wake::nudged:
          break;
      }
      flush_outbox(*c);
      while (PGnotify* raw = PQnotifies(conn)) {
        std::unique_ptr<PGnotify, void (*)(void*)> n(raw, PQfreemem);
        if (auto a = decoder.feed(n->extra); a && handlers_.on_announcement)
          handlers_.on_announcement(std::move(*a));
      }
      if (PQstatus(conn) != CONNECTION_OK) c->fail("event stream");
      // Someone else's use of the channel, or a newer version: worth a line a minute.
      if (decoder.malformed() != malformed_reported &&
          std::chrono::steady_clock::now() - malformed_logged_at > std::chrono::minutes(1)) {
        spdlog::warn("[cluster] {} malformed announcements dropped so far",
                     decoder.malformed());
        malformed_reported = decoder.malformed();
        malformed_logged_at = std::chrono::steady_clock::now();
      }
    } catch (const std::exception& e) {  // the database, or a handler that gave up
      c.reset();
      if (listening && handlers_.on_lost) handlers_.on_lost();
      listening = false;
      if (stop_.raised()) break;
      if (!failing)
        spdlog::warn("[cluster] event stream from PostgreSQL lost (retrying every {} ms): {}",
                     retry_interval_.count(), e.what());
      failing = true;
      // The whole interval, even when send() nudges meanwhile.
      const auto until = std::chrono::steady_clock::now() + retry_interval_;
      for (auto now = std::chrono::steady_clock::now(); now < until && !stop_.raised();
           now = std::chrono::steady_clock::now())
        stop_.wait(-1, std::chrono::duration_cast<std::chrono::milliseconds>(until - now) +
                           std::chrono::milliseconds(1));
    }
  }
}

}  // namespace blazeiot
