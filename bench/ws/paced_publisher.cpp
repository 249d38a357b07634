#include "paced_publisher.hpp"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <thread>

#include "ws_client_pool.hpp"

namespace blazeiot::bench {
namespace {

void sleep_until_ns(std::int64_t deadline_ns) {
  timespec ts{};
  ts.tv_sec = deadline_ns / 1'000'000'000;
  ts.tv_nsec = deadline_ns % 1'000'000'000;
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace

PacedPublisher::PacedPublisher(const std::string& host, int port, int qos, int devices)
    : mosq_(nullptr), qos_(qos), devices_(devices < 1 ? 1 : devices) {
  mosquitto_lib_init();
  const std::string id = "ws-bench-pub-" + std::to_string(getpid());
  mosq_ = mosquitto_new(id.c_str(), true, this);
  if (!mosq_) throw std::runtime_error("mosquitto_new failed");
  // libmosquitto's default window of 20 unacknowledged messages would pace us, not the rate.
  mosquitto_max_inflight_messages_set(mosq_, 1000);
  mosquitto_connect_callback_set(mosq_, &PacedPublisher::on_connect);
  mosquitto_publish_callback_set(mosq_, &PacedPublisher::on_publish);
  if (int rc = mosquitto_connect(mosq_, host.c_str(), port, 30); rc != MOSQ_ERR_SUCCESS)
    throw std::runtime_error(std::string("MQTT connect: ") + mosquitto_strerror(rc));
  if (int rc = mosquitto_loop_start(mosq_); rc != MOSQ_ERR_SUCCESS)
    throw std::runtime_error(std::string("mosquitto_loop_start: ") + mosquitto_strerror(rc));
  const std::int64_t deadline = monotonic_ns() + 10'000'000'000;
  while (connack_.load() < 0) {
    if (monotonic_ns() > deadline) throw std::runtime_error("no CONNACK within 10 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (connack_.load() != 0)
    throw std::runtime_error("broker refused the connection: " +
                             std::string(mosquitto_connack_string(connack_.load())));
}

PacedPublisher::~PacedPublisher() {
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, false);
  mosquitto_destroy(mosq_);
  mosquitto_lib_cleanup();
}

void PacedPublisher::on_connect(mosquitto*, void* self, int rc) {
  static_cast<PacedPublisher*>(self)->connack_.store(rc);
}

void PacedPublisher::on_publish(mosquitto*, void* self, int) {
  static_cast<PacedPublisher*>(self)->acknowledged_.fetch_add(1);
}

PhaseReport PacedPublisher::publish(const PublishPhase& phase) {
  PhaseReport report;
  const auto total = static_cast<std::uint64_t>(phase.rate * phase.seconds);
  const double period_ns = 1e9 / phase.rate;
  char topic[64];
  char payload[256];
  const std::int64_t start = monotonic_ns();
  std::int64_t last = start;
  for (std::uint64_t seq = 0; seq < total; ++seq) {
    const auto due = start + static_cast<std::int64_t>(static_cast<double>(seq) * period_ns);
    std::int64_t now = monotonic_ns();
    if (now < due) {
      sleep_until_ns(due);
      now = monotonic_ns();
    } else {
      report.max_behind_ms = std::max(report.max_behind_ms, (now - due) / 1e6);
    }
    const int device = static_cast<int>(seq % static_cast<std::uint64_t>(devices_)) + 1;
    std::snprintf(topic, sizeof topic, "SensorData/WsBench%04d", device);
    const int len = std::snprintf(
        payload, sizeof payload,
        R"({"device_id":"WsBench%04d","type":"Temperature","value":%.1f,"run":%d,"seq":%llu,"sent_ns":%lld})",
        device, 20.0 + static_cast<double>(seq % 100) / 10.0, phase.run,
        static_cast<unsigned long long>(seq), static_cast<long long>(now));
    if (int rc = mosquitto_publish(mosq_, nullptr, topic, len, payload, qos_, false);
        rc != MOSQ_ERR_SUCCESS)
      throw std::runtime_error(std::string("mosquitto_publish: ") + mosquitto_strerror(rc));
    published_.fetch_add(1);
    last = now;
    ++report.sent;
  }
  report.seconds = (last - start) / 1e9;
  return report;
}

bool PacedPublisher::wait_acknowledged(double timeout_s) {
  const auto deadline = monotonic_ns() + static_cast<std::int64_t>(timeout_s * 1e9);
  while (acknowledged_.load() < published_.load()) {
    if (monotonic_ns() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace blazeiot::bench
