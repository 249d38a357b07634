// Reference consumer: the least any MQTT consumer must do. Subscribes, counts messages and
// does nothing else, then prints the receive rate (first to last message) as one JSON line.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "mqtt_connection.hpp"

namespace blazeiot::bench {
namespace {

struct SubscriberOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string filter = "SensorData/#";
  int qos = 1;
  std::uint64_t count = 200'000;
  double idle_timeout_s = 5.0;   // after the first message
  double start_timeout_s = 60.0; // before it
};

struct Tally {
  std::uint64_t received = 0;
  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
};

void on_message(mosquitto*, void* self, const mosquitto_message*) {
  auto* tally = static_cast<Tally*>(self);
  tally->last_ns = epoch_ns();
  if (tally->received++ == 0) tally->first_ns = tally->last_ns;
}

int run_subscriber(const SubscriberOptions& options) {
  MosquittoLibrary library;
  Tally tally;
  MqttConnection connection("bench-sub-" + std::to_string(getpid()), true, &tally);
  mosquitto_message_callback_set(connection.handle(), &on_message);
  connection.connect(options.host, options.port);
  connection.subscribe(options.filter, options.qos);
  // The orchestrator starts publishing only after this line.
  std::printf("subscribed\n");
  std::fflush(stdout);

  const std::int64_t subscribed_ns = epoch_ns();
  while (tally.received < options.count) {
    connection.loop(100);
    // At QoS 0 the broker may drop messages, so "no more for a while" also ends the count.
    const std::int64_t quiet_since = tally.received ? tally.last_ns : subscribed_ns;
    const double limit = tally.received ? options.idle_timeout_s : options.start_timeout_s;
    if ((epoch_ns() - quiet_since) / 1e9 > limit) break;
  }
  connection.disconnect();

  const double seconds = (tally.last_ns - tally.first_ns) / 1e9;
  std::printf(
      "{\"filter\":\"%s\",\"qos\":%d,\"expected\":%llu,\"received\":%llu,\"complete\":%s,"
      "\"first_ns\":%lld,\"last_ns\":%lld,\"seconds\":%.6f,\"rate\":%.1f,\"cpu_s\":%.3f}\n",
      options.filter.c_str(), options.qos, static_cast<unsigned long long>(options.count),
      static_cast<unsigned long long>(tally.received),
      tally.received >= options.count ? "true" : "false", static_cast<long long>(tally.first_ns),
      static_cast<long long>(tally.last_ns), seconds,
      seconds > 0 ? tally.received / seconds : 0.0, process_cpu_seconds());
  return 0;
}

}  // namespace
}  // namespace blazeiot::bench

int main(int argc, char** argv) {
  using namespace blazeiot::bench;
  SubscriberOptions options;
  CLI::App app{"Counts messages on an MQTT topic filter and prints the receive rate."};
  app.add_option("--host", options.host, "broker host");
  app.add_option("--port", options.port, "broker port");
  app.add_option("--filter", options.filter, "topic filter, e.g. SensorData/#");
  app.add_option("--qos", options.qos, "subscription QoS, 0 or 1")->check(CLI::Range(0, 1));
  app.add_option("-n,--count", options.count, "stop after this many messages");
  app.add_option("--idle-timeout", options.idle_timeout_s,
                 "stop when nothing arrived for this many seconds after the first message");
  app.add_option("--start-timeout", options.start_timeout_s,
                 "give up when the first message takes longer than this");
  CLI11_PARSE(app, argc, argv);
  try {
    return run_subscriber(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_subscriber: %s\n", e.what());
    return 2;
  }
}
