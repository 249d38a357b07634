#pragma once
// The one thread that writes ingest batches to the store, so commits never block the network
// threads. The caller keeps at most one batch in flight and accumulates the next meanwhile,
// which makes each commit as large as the load requires (group commit).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <string>

#include "domain/ingest_batch.hpp"
#include "storage/telemetry_store.hpp"

namespace blazeiot {

class BatchCommitter {
 public:
  explicit BatchCommitter(TelemetryStore& store);
  ~BatchCommitter() { pool_.join(); }

  // Applies the batch on the writer thread, then posts done(error) to `reply_to`
  // (error empty on success). The batch must stay alive until done runs.
  void commit(std::shared_ptr<const IngestBatch> batch, boost::asio::any_io_executor reply_to,
              std::function<void(std::string error)> done);

 private:
  TelemetryStore& store_;
  boost::asio::thread_pool pool_{1};
};

}  // namespace blazeiot
