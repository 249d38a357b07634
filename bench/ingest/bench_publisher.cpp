// Load generator: publishes N telemetry messages over K connections, each driven by its own
// thread with at most W messages outstanding, then prints one JSON line describing the run.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mqtt_connection.hpp"
#include "telemetry_payloads.hpp"

namespace blazeiot::bench {
namespace {

struct PublisherOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  TelemetryKind kind = TelemetryKind::sensor_data;
  int qos = 1;
  int connections = 4;
  std::uint64_t messages = 200'000;
  int inflight = 500;
};

// One connection publishing its share of the messages.
class PublishStream {
 public:
  PublishStream(const PublisherOptions& options, int index, std::uint64_t first, std::uint64_t count)
      : options_(options),
        connection_("bench-pub-" + std::to_string(getpid()) + "-" + std::to_string(index),
                    true, this),
        payloads_(options.kind, static_cast<std::uint64_t>(index) + 1),
        first_(first),
        count_(count) {
    // The window is enforced here, not by libmosquitto: with QoS 0 the library has no window
    // of its own and would otherwise buffer every message in memory before the broker saw one.
    connection_.set_send_maximum(std::max(options.inflight, 1));
    mosquitto_publish_callback_set(connection_.handle(), &PublishStream::on_publish);
  }

  void connect() { connection_.connect(options_.host, options_.port); }

  // Returns once every message is acknowledged (QoS 1) or written to the socket (QoS 0:
  // libmosquitto reports a QoS 0 publish when it has left).
  void run() {
    std::string topic;
    std::string payload;
    first_publish_ns_ = epoch_ns();
    while (completed_ < count_) {
      while (sent_ < count_ && sent_ - completed_ < static_cast<std::uint64_t>(options_.inflight)) {
        payloads_.make(first_ + sent_, topic, payload);
        if (int rc = mosquitto_publish(connection_.handle(), nullptr, topic.c_str(),
                                       static_cast<int>(payload.size()), payload.data(),
                                       options_.qos, false);
            rc != MOSQ_ERR_SUCCESS) {
          throw std::runtime_error(std::string("publish: ") + mosquitto_strerror(rc));
        }
        ++sent_;
      }
      // Block only when there is nothing left to send; otherwise just collect what arrived.
      const bool window_full =
          sent_ == count_ || sent_ - completed_ >= static_cast<std::uint64_t>(options_.inflight);
      connection_.loop(window_full ? 100 : 0);
    }
    done_ns_ = epoch_ns();
    connection_.disconnect();
  }

  std::int64_t first_publish_ns() const { return first_publish_ns_; }
  std::int64_t done_ns() const { return done_ns_; }
  std::uint64_t completed() const { return completed_; }

 private:
  static void on_publish(mosquitto*, void* self, int) {
    ++static_cast<PublishStream*>(self)->completed_;
  }

  const PublisherOptions& options_;
  MqttConnection connection_;
  TelemetryPayloads payloads_;
  std::uint64_t first_;
  std::uint64_t count_;
  std::uint64_t sent_ = 0;
  std::uint64_t completed_ = 0;
  std::int64_t first_publish_ns_ = 0;
  std::int64_t done_ns_ = 0;
};

int run_publisher(const PublisherOptions& options) {
  MosquittoLibrary library;
  std::vector<std::unique_ptr<PublishStream>> streams;
  const auto connections = static_cast<std::uint64_t>(options.connections);
  for (std::uint64_t i = 0; i < connections; ++i) {
    // Split N as evenly as possible; the first N % K streams carry one extra message.
    const std::uint64_t first = i * (options.messages / connections) +
                                std::min(i, options.messages % connections);
    const std::uint64_t count = options.messages / connections + (i < options.messages % connections);
    streams.push_back(std::make_unique<PublishStream>(options, static_cast<int>(i), first, count));
  }
  // Everyone connects before anyone publishes, so connection set-up is not in the rate.
  for (auto& stream : streams) stream->connect();

  std::latch start(1);
  std::vector<std::string> errors(streams.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < streams.size(); ++i) {
    threads.emplace_back([&, i] {
      start.wait();
      try {
        streams[i]->run();
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  start.count_down();
  for (auto& thread : threads) thread.join();

  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  std::uint64_t completed = 0;
  for (const auto& stream : streams) {
    if (stream->first_publish_ns() != 0 && (start_ns == 0 || stream->first_publish_ns() < start_ns)) {
      start_ns = stream->first_publish_ns();
    }
    end_ns = std::max(end_ns, stream->done_ns());
    completed += stream->completed();
  }
  const auto failed = std::find_if(errors.begin(), errors.end(), [](auto& e) { return !e.empty(); });
  const double seconds = end_ns > start_ns ? (end_ns - start_ns) / 1e9 : 0.0;
  std::printf(
      "{\"kind\":\"%s\",\"qos\":%d,\"connections\":%d,\"inflight\":%d,\"requested\":%llu,"
      "\"sent\":%llu,\"start_ns\":%lld,\"end_ns\":%lld,\"seconds\":%.6f,\"rate\":%.1f,"
      "\"cpu_s\":%.3f,\"error\":\"%s\"}\n",
      options.kind == TelemetryKind::sensor_data ? "sensor" : "ble", options.qos,
      options.connections, options.inflight, static_cast<unsigned long long>(options.messages),
      static_cast<unsigned long long>(completed), static_cast<long long>(start_ns),
      static_cast<long long>(end_ns), seconds, seconds > 0 ? completed / seconds : 0.0,
      process_cpu_seconds(), failed == errors.end() ? "" : failed->c_str());
  return failed == errors.end() ? 0 : 1;
}

}  // namespace
}  // namespace blazeiot::bench

int main(int argc, char** argv) {
  using namespace blazeiot::bench;
  PublisherOptions options;
  std::string kind = "sensor";
  CLI::App app{"Publishes realistic SensorData or BLEGatewayData telemetry to an MQTT broker."};
  app.add_option("--host", options.host, "broker host");
  app.add_option("--port", options.port, "broker port");
  app.add_option("--kind", kind, "sensor (SensorData/<device>) or ble (BLEGatewayData/<gateway>)")
      ->check(CLI::IsMember({"sensor", "ble"}));
  app.add_option("--qos", options.qos, "0 or 1")->check(CLI::Range(0, 1));
  app.add_option("--connections", options.connections, "parallel connections, one thread each")
      ->check(CLI::Range(1, 256));
  app.add_option("-n,--messages", options.messages, "messages in total");
  app.add_option("--inflight", options.inflight, "most unacknowledged messages per connection")
      ->check(CLI::Range(1, 65535));
  CLI11_PARSE(app, argc, argv);
  options.kind = *parse_telemetry_kind(kind);
  try {
    return run_publisher(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_publisher: %s\n", e.what());
    return 2;
  }
}
