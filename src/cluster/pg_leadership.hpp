#pragma once
// Leadership among instances sharing one PostgreSQL database: the instance holding the
// session-level advisory lock `hashtext('blazeiot.leader')` leads. The lock lives on a
// connection of its own, so it goes with the process (crash, SIGKILL: the server ends the
// session and frees the lock) and with the connection (server restart, network loss).
//
// A thread re-checks every `check_interval`: a follower tries to take the lock, a leader
// proves its connection still answers within `answer_timeout`. A leader stops leading at
// once when the server closes its connection and within check_interval + answer_timeout
// when the server stops answering; the server frees the lock of a vanished leader after
// its keepalives (set to about 25 s on that session).
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "cluster/leadership.hpp"
#include "cluster/stop_signal.hpp"

namespace blazeiot {

class PgConnection;

struct PgLeadershipOptions {
  std::chrono::milliseconds check_interval{2000};
  std::chrono::milliseconds answer_timeout{3000};
};

class PgLeadership final : public Leadership {
 public:
  // on_change(leader) runs on the leadership thread when this instance starts or stops
  // leading; keep it short.
  PgLeadership(std::string conninfo, std::function<void(bool leader)> on_change,
               PgLeadershipOptions options = {});
  // Stops the thread; closing the connection releases the lock.
  ~PgLeadership() override;

  void start();
  void stop();
  bool is_leader() const override { return leader_.load(); }

 private:
  void run();
  void check(std::unique_ptr<PgConnection>& c);
  void set_leader(bool leader);

  std::string conninfo_;
  std::function<void(bool)> on_change_;
  PgLeadershipOptions options_;
  std::atomic<bool> leader_{false};
  StopSignal stop_;
  std::thread thread_;
};

}  // namespace blazeiot
