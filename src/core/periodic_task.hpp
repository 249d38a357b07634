#pragma once
// Runs a function every `period` on an executor until stopped. An exception from one round is
// logged and the next round runs as planned (the database may just be restarting).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace blazeiot {

class PeriodicTask {
 public:
  PeriodicTask(boost::asio::any_io_executor executor, std::chrono::milliseconds period,
               std::string name, std::function<void()> round);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void start();
  // After stop() returns no new round starts (one under way finishes).
  void stop();
  // A round now, on the executor, in addition to the schedule.
  void run_soon();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace blazeiot
