#pragma once
// libpq pipeline mode: many prepared statements sent back to back, their results read in
// one go, so a batch costs a few round trips instead of one per row.
#include "storage/postgres/pg_connection.hpp"

namespace blazeiot {

class PgPipeline {
 public:
  explicit PgPipeline(PgConnection& c);
  // Leaves pipeline mode; after a failure it drains what is left first.
  ~PgPipeline();
  PgPipeline(const PgPipeline&) = delete;
  PgPipeline& operator=(const PgPipeline&) = delete;

  // `name` must already be prepared on the connection (PgConnection::prepare_once).
  void send(const char* name, const PgParams& params);
  // Waits for every result; throws the first error.
  void finish();

 private:
  void sync_and_drain();

  PgConnection& c_;
  int pending_ = 0;
};

}  // namespace blazeiot
