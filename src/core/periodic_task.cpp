#include "core/periodic_task.hpp"

#include <spdlog/spdlog.h>

#include <atomic>

namespace blazeiot {

struct PeriodicTask::State : std::enable_shared_from_this<State> {
  State(boost::asio::any_io_executor e, std::chrono::milliseconds p, std::string n,
        std::function<void()> r)
      : executor(e), timer(e), period(p), name(std::move(n)), round(std::move(r)) {}

  boost::asio::any_io_executor executor;
  boost::asio::steady_timer timer;
  std::chrono::milliseconds period;
  std::string name;
  std::function<void()> round;
  std::atomic<bool> stopped{false};

  void run() {
    if (stopped) return;
    try {
      round();
    } catch (const std::exception& e) {
      spdlog::warn("[{}] periodic round failed: {}", name, e.what());
    }
  }
  void schedule() {
    timer.expires_after(period);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->stopped) return;
      self->run();
      self->schedule();
    });
  }
};

PeriodicTask::PeriodicTask(boost::asio::any_io_executor executor,
                           std::chrono::milliseconds period, std::string name,
                           std::function<void()> round)
    : state_(std::make_shared<State>(std::move(executor), period, std::move(name),
                                     std::move(round))) {}

PeriodicTask::~PeriodicTask() { stop(); }

void PeriodicTask::start() {
  boost::asio::post(state_->executor, [s = state_] { s->schedule(); });
}

void PeriodicTask::stop() {
  if (state_->stopped.exchange(true)) return;
  boost::asio::post(state_->executor, [s = state_] { s->timer.cancel(); });
}

void PeriodicTask::run_soon() {
  boost::asio::post(state_->executor, [s = state_] { s->run(); });
}

}  // namespace blazeiot
