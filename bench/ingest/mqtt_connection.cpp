#include "mqtt_connection.hpp"

#include <sys/resource.h>

#include <chrono>
#include <stdexcept>
#include <time.h>

namespace blazeiot::bench {
namespace {

constexpr int kKeepaliveSeconds = 60;
constexpr auto kAnswerTimeout = std::chrono::seconds(10);

[[noreturn]] void fail(const std::string& what, int rc) {
  throw std::runtime_error(what + ": " + mosquitto_strerror(rc));
}

double seconds_of(const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; }

}  // namespace

std::int64_t epoch_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
}

MosquittoLibrary::MosquittoLibrary() { mosquitto_lib_init(); }
MosquittoLibrary::~MosquittoLibrary() { mosquitto_lib_cleanup(); }

MqttConnection::MqttConnection(const std::string& client_id, bool clean_session, void* owner)
    : mosq_(mosquitto_new(client_id.c_str(), clean_session, owner), &mosquitto_destroy),
      owner_(owner) {
  if (!mosq_) throw std::runtime_error("mosquitto_new failed for " + client_id);
}

MqttConnection::~MqttConnection() = default;

void MqttConnection::set_send_maximum(int messages) {
  if (int rc = mosquitto_int_option(mosq_.get(), MOSQ_OPT_SEND_MAXIMUM, messages);
      rc != MOSQ_ERR_SUCCESS) {
    fail("send maximum", rc);
  }
}

void MqttConnection::connect(const std::string& host, int port) {
  // While waiting for our own answers the callbacks see this object; afterwards the owner's.
  mosquitto_user_data_set(mosq_.get(), this);
  answered_ = false;
  mosquitto_connect_callback_set(mosq_.get(), [](mosquitto*, void* self, int rc) {
    auto* connection = static_cast<MqttConnection*>(self);
    connection->answered_ = true;
    connection->answer_code_ = rc;
  });
  if (int rc = mosquitto_connect(mosq_.get(), host.c_str(), port, kKeepaliveSeconds);
      rc != MOSQ_ERR_SUCCESS) {
    fail("connect to " + host + ":" + std::to_string(port), rc);
  }
  loop_until(answered_, "CONNACK");
  mosquitto_connect_callback_set(mosq_.get(), nullptr);
  mosquitto_user_data_set(mosq_.get(), owner_);
  if (answer_code_ != 0) {
    throw std::runtime_error(std::string("broker refused the connection: ") +
                             mosquitto_connack_string(answer_code_));
  }
}

void MqttConnection::subscribe(const std::string& filter, int qos) {
  mosquitto_user_data_set(mosq_.get(), this);
  answered_ = false;
  mosquitto_subscribe_callback_set(
      mosq_.get(), [](mosquitto*, void* self, int, int count, const int* granted) {
        auto* connection = static_cast<MqttConnection*>(self);
        connection->answered_ = true;
        connection->answer_code_ = count > 0 ? granted[0] : 0x80;
      });
  if (int rc = mosquitto_subscribe(mosq_.get(), nullptr, filter.c_str(), qos);
      rc != MOSQ_ERR_SUCCESS) {
    fail("subscribe " + filter, rc);
  }
  loop_until(answered_, "SUBACK");
  mosquitto_subscribe_callback_set(mosq_.get(), nullptr);
  mosquitto_user_data_set(mosq_.get(), owner_);
  if (answer_code_ >= 0x80) throw std::runtime_error("broker refused the subscription " + filter);
}

void MqttConnection::loop(int timeout_ms) {
  if (int rc = mosquitto_loop(mosq_.get(), timeout_ms, 1); rc != MOSQ_ERR_SUCCESS) {
    fail("connection lost", rc);
  }
}

void MqttConnection::disconnect() {
  mosquitto_disconnect(mosq_.get());
  // Flushes the DISCONNECT; the loop reports "no connection" once it is gone.
  mosquitto_loop(mosq_.get(), 100, 1);
}

void MqttConnection::loop_until(const bool& done, const char* what) {
  const auto deadline = std::chrono::steady_clock::now() + kAnswerTimeout;
  while (!done) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error(std::string("no ") + what + " from the broker");
    }
    loop(100);
  }
}

}  // namespace blazeiot::bench
