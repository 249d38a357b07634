#pragma once
// Publishes SensorData messages at a fixed rate on one libmosquitto connection. Each payload
// carries the moment it was handed to the client library ("sent_ns", CLOCK_MONOTONIC: the
// receivers are in the same process), the phase it belongs to ("run") and its number in
// that phase ("seq"), so a receiver can measure latency and count what it missed.
#include <mosquitto.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace blazeiot::bench {

struct PublishPhase {
  int run = 0;
  double rate = 1000;   // messages per second
  double seconds = 10;
};

struct PhaseReport {
  std::uint64_t sent = 0;
  double seconds = 0;        // first to last publish
  double max_behind_ms = 0;  // how late the worst message left against its schedule
};

class PacedPublisher {
 public:
  // `devices` distinct device ids (WsBench0001...) take turns, like a fleet would.
  PacedPublisher(const std::string& host, int port, int qos, int devices);
  ~PacedPublisher();
  PacedPublisher(const PacedPublisher&) = delete;
  PacedPublisher& operator=(const PacedPublisher&) = delete;

  // Blocks for the phase; messages are scheduled at start + seq / rate and sent late rather
  // than skipped when the thread falls behind.
  PhaseReport publish(const PublishPhase& phase);
  // Waits until the broker acknowledged everything published so far; false on timeout.
  bool wait_acknowledged(double timeout_s);

 private:
  static void on_connect(mosquitto*, void* self, int rc);
  static void on_publish(mosquitto*, void* self, int mid);

  mosquitto* mosq_;
  int qos_;
  int devices_;
  std::atomic<int> connack_{-1};
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> acknowledged_{0};
};

}  // namespace blazeiot::bench
