#include "storage/postgres/pg_pipeline.hpp"

#include <optional>

namespace blazeiot {
namespace {
// Results are read after at most this many statements. libpq reads while it waits to write,
// but a bounded window also bounds the memory both sides spend on queued results.
constexpr int kWindow = 1000;
}  // namespace

PgPipeline::PgPipeline(PgConnection& c) : c_(c) {
  if (PQenterPipelineMode(c_.handle()) != 1) c_.fail("enter pipeline mode");
}

PgPipeline::~PgPipeline() {
  if (PQstatus(c_.handle()) != CONNECTION_OK) return;  // the pool throws the connection away
  try {
    if (pending_ > 0) sync_and_drain();
  } catch (const StorageError&) {
    // Already reported by whoever abandoned the pipeline.
  }
  // When this fails the connection stays in pipeline mode, which broken() reports.
  PQexitPipelineMode(c_.handle());
}

void PgPipeline::send(const char* name, const PgParams& params) {
  auto values = params.pointers();
  if (PQsendQueryPrepared(c_.handle(), name, params.size(), values.data(), nullptr, nullptr,
                          0) != 1)
    c_.fail(name);
  if (++pending_ >= kWindow) sync_and_drain();
}

void PgPipeline::finish() {
  if (pending_ > 0) sync_and_drain();
}

void PgPipeline::sync_and_drain() {
  pending_ = 0;
  if (PQpipelineSync(c_.handle()) != 1) c_.fail("pipeline sync");
  // After an error the server skips the rest up to the sync (PGRES_PIPELINE_ABORTED); the
  // first error is the one worth reporting.
  std::optional<PgError> first_error;
  for (;;) {
    PGresult* r = PQgetResult(c_.handle());
    if (!r) {
      // NULL separates one statement's results from the next; on a lost connection it is
      // all libpq has left.
      if (PQstatus(c_.handle()) != CONNECTION_OK) c_.fail("pipeline");
      continue;
    }
    PgResult result(r);
    ExecStatusType status = PQresultStatus(r);
    if (status == PGRES_PIPELINE_SYNC) break;
    if (status == PGRES_FATAL_ERROR && !first_error) {
      try {
        c_.fail("pipeline", r);
      } catch (const PgError& e) {
        first_error = e;
      }
    }
  }
  if (first_error) throw *first_error;
}

}  // namespace blazeiot
