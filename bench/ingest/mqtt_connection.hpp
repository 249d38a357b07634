#pragma once
// A libmosquitto client driven by the thread that owns it (no background network thread),
// so a benchmark connection costs exactly one thread and its cost is easy to attribute.
#include <mosquitto.h>

#include <cstdint>
#include <memory>
#include <string>

namespace blazeiot::bench {

// Nanoseconds since the Unix epoch. Wall-clock rather than monotonic on purpose: the
// orchestrator lines up one process's first publish with another process's last receipt.
std::int64_t epoch_ns();

// CPU seconds (user + system, all threads) this process has used so far.
double process_cpu_seconds();

// mosquitto_lib_init / mosquitto_lib_cleanup for the lifetime of main().
class MosquittoLibrary {
 public:
  MosquittoLibrary();
  ~MosquittoLibrary();
  MosquittoLibrary(const MosquittoLibrary&) = delete;
  MosquittoLibrary& operator=(const MosquittoLibrary&) = delete;
};

class MqttConnection {
 public:
  // `owner` is what the caller's libmosquitto callbacks receive as their user data.
  MqttConnection(const std::string& client_id, bool clean_session, void* owner);
  ~MqttConnection();
  MqttConnection(const MqttConnection&) = delete;
  MqttConnection& operator=(const MqttConnection&) = delete;

  // Without this libmosquitto keeps only 20 QoS 1 messages in flight and queues the rest
  // itself, which would hide the window the benchmark asks for.
  void set_send_maximum(int messages);

  // Both block until the broker answers (CONNACK / SUBACK) and throw on refusal or timeout.
  void connect(const std::string& host, int port);
  void subscribe(const std::string& filter, int qos);

  // Reads and writes whatever is ready, waiting at most timeout_ms; throws when the
  // connection is lost.
  void loop(int timeout_ms);

  void disconnect();
  mosquitto* handle() const { return mosq_.get(); }

 private:
  // Runs the loop until `done` or the deadline; used for the CONNACK and SUBACK waits.
  void loop_until(const bool& done, const char* what);

  std::unique_ptr<mosquitto, void (*)(mosquitto*)> mosq_;
  void* owner_;
  bool answered_ = false;
  int answer_code_ = 0;
};

}  // namespace blazeiot::bench
