#include "storage/postgres/pg_pool.hpp"

namespace blazeiot {

PgPool::PgPool(std::string conninfo, PgPoolOptions options)
    : conninfo_(std::move(conninfo)), options_(options) {
  if (options_.max_connections == 0) options_.max_connections = 1;
}

std::unique_ptr<PgConnection> PgPool::acquire() {
  {
    std::unique_lock lock(mutex_);
    if (!available_.wait_for(lock, options_.acquire_timeout, [&] {
          return !idle_.empty() || open_ < options_.max_connections;
        }))
      throw StorageError("no PostgreSQL connection became free in time");
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    ++open_;
  }
  try {
    return std::make_unique<PgConnection>(conninfo_);
  } catch (...) {
    std::lock_guard lock(mutex_);
    --open_;
    available_.notify_one();
    throw;
  }
}

void PgPool::release(std::unique_ptr<PgConnection> c) {
  if (c && !c->broken() && c->in_transaction()) {
    // Left inside a transaction by an exception: end it so the next user starts clean.
    PQclear(PQexec(c->handle(), "ROLLBACK"));
  }
  std::lock_guard lock(mutex_);
  if (c && !c->broken()) {
    idle_.push_back(std::move(c));
  } else {
    // One broken connection usually means the server went away: the idle ones are as
    // dead, so drop them all rather than fail once per connection later.
    open_ -= 1 + idle_.size();
    idle_.clear();
  }
  available_.notify_all();
}

}  // namespace blazeiot
