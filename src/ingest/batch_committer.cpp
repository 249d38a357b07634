#include "ingest/batch_committer.hpp"

#include <boost/asio/post.hpp>

#include "core/thread_name.hpp"

namespace blazeiot {

BatchCommitter::BatchCommitter(TelemetryStore& store) : store_(store) {
  boost::asio::post(pool_, [] { name_this_thread("ingest-writer"); });
}

void BatchCommitter::commit(std::shared_ptr<const IngestBatch> batch,
                            boost::asio::any_io_executor reply_to,
                            std::function<void(std::string)> done) {
  boost::asio::post(pool_, [this, batch = std::move(batch), reply_to = std::move(reply_to),
                            done = std::move(done)]() mutable {
    std::string error;
    try {
      store_.apply(*batch);
    } catch (const std::exception& e) {
      error = e.what();
    }
    // The caller frees the batch, not this thread: the writer is the serial part of ingest.
    batch.reset();
    boost::asio::post(reply_to, [done = std::move(done), error = std::move(error)]() mutable {
      done(std::move(error));
    });
  });
}

}  // namespace blazeiot
