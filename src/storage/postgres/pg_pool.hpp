#pragma once
// The connections to one PostgreSQL database: a dedicated connection for the ingest writer
// (so API traffic never queues behind a batch and vice versa) and a bounded pool for
// everything else. A connection found broken is dropped and replaced on the next call, so
// the store keeps working once the server is back.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/postgres/pg_connection.hpp"

namespace blazeiot {

struct PgPoolOptions {
  std::size_t max_connections = 8;  // pooled ones; the ingest writer comes on top
  std::chrono::milliseconds acquire_timeout{10'000};
};

class PgPool {
 public:
  explicit PgPool(std::string conninfo, PgPoolOptions options = {});

  // Runs fn(PgConnection&) with exclusive use of the ingest writer connection.
  template <class Fn>
  auto write(Fn&& fn) {
    std::lock_guard lock(writer_mutex_);
    if (!writer_) writer_ = std::make_unique<PgConnection>(conninfo_);
    try {
      return fn(*writer_);
    } catch (...) {
      if (writer_->broken()) writer_.reset();
      throw;
    }
  }

  // Runs fn(PgConnection&) with a pooled connection, waiting while all are busy.
  template <class Fn>
  auto run(Fn&& fn) {
    struct Lease {
      PgPool& pool;
      std::unique_ptr<PgConnection> c;
      ~Lease() { pool.release(std::move(c)); }
    } lease{*this, acquire()};
    return fn(*lease.c);
  }

  const std::string& conninfo() const { return conninfo_; }

 private:
  std::unique_ptr<PgConnection> acquire();
  void release(std::unique_ptr<PgConnection> c);

  std::string conninfo_;
  PgPoolOptions options_;

  std::mutex writer_mutex_;
  std::unique_ptr<PgConnection> writer_;

  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  std::size_t open_ = 0;  // idle plus lent out
};

}  // namespace blazeiot
