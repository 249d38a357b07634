#pragma once
// The broker the platform runs when none is configured: a Mosquitto child process on
// loopback with a generated configuration (persistence on, queues large enough that a
// restart of the platform loses nothing), restarted if it dies, stopped with the platform.
#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <string>

namespace blazeiot {

class EmbeddedBroker {
 public:
  using EventSink = std::function<void(const std::string& level, const std::string& message)>;

  EmbeddedBroker(boost::asio::any_io_executor executor, std::string data_dir, int port,
                 EventSink on_event);
  ~EmbeddedBroker();

  // Writes the configuration, starts mosquitto and waits until it accepts connections.
  // Throws std::runtime_error with the reason when it cannot.
  void start();
  // SIGTERM (Mosquitto saves its persistence file), then SIGKILL after a grace period.
  void stop();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  static std::string find_executable();

 private:
  void spawn();
  bool wait_until_listening(int timeout_ms);
  void supervise();

  boost::asio::steady_timer timer_;
  std::string dir_;
  int port_;
  EventSink on_event_;
  std::string executable_;
  pid_t pid_ = -1;
  bool stopping_ = false;
  int restarts_ = 0;
};

}  // namespace blazeiot
