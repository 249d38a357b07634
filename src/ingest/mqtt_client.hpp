#pragma once
// A persistent MQTT 3.1.1 client session on Asio: connects (TCP or TLS with verification and
// SNI), subscribes, reconnects with backoff and resubscribes, keeps the connection alive, and
// lets the owner acknowledge QoS 1 messages later, once they are durable.
//
// Everything runs on the strand given at construction; callbacks are invoked there.
// publish() and connected() may be called from any thread.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "ingest/mqtt_codec.hpp"
#include "ingest/mqtt_publisher.hpp"
#include "ingest/receive_pacer.hpp"

namespace blazeiot {

struct MqttClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  bool tls = false;
  std::string ca_file;  // empty: the system CA bundle
  std::string username;
  std::string password;
  std::string client_id;
  bool clean_session = false;
  std::uint16_t keepalive_s = 30;
  std::vector<std::string> subscriptions;  // all at QoS 1
  std::size_t max_payload = 64 * 1024;     // larger PUBLISHes arrive truncated
};

// Identifies a received QoS 1 message for acknowledge(); tied to one connection.
struct MqttAckToken {
  std::uint64_t connection = 0;
  std::uint16_t packet_id = 0;  // 0 for QoS 0: nothing to acknowledge
};

struct MqttMessage {
  std::string topic;
  std::string payload;
  std::uint8_t qos = 0;
  bool truncated = false;  // payload was over max_payload and was dropped
  std::size_t size = 0;    // payload size as sent
  // Sent because we subscribed, from the broker's store: not news (MQTT 3.1.1 §3.3.1.3).
  bool retained = false;
  MqttAckToken ack;
};

class MqttClient final : public MqttPublisher, public std::enable_shared_from_this<MqttClient> {
 public:
  using MessageHandler = std::function<void(MqttMessage&&)>;
  // connected=true after CONNACK+SUBACK; false with a reason when the connection ends or fails.
  using StateHandler = std::function<void(bool connected, const std::string& detail)>;

  MqttClient(boost::asio::any_io_executor strand, MqttClientOptions options,
             MessageHandler on_message, StateHandler on_state);
  ~MqttClient() override;

  void start();
  // Sends DISCONNECT (so the broker does not publish our will and keeps the session) and
  // closes; pending acknowledgements must have been given before. done runs on the strand.
  void stop(std::function<void()> done);

  // Acknowledge in the order messages were received (MQTT requires PUBACK order). A token
  // from an earlier connection is ignored: the broker will redeliver that message.
  void acknowledge(const MqttAckToken& token);
  // While paused, no more packets are read (TCP back-pressure reaches the broker).
  void set_paused(bool paused);

  void publish(std::string topic, std::string payload, int qos,
               std::function<void(bool ok)> done) override;

  bool connected() const { return connected_.load(); }
  const MqttClientOptions& options() const { return options_; }

 private:
  struct Connection;
  struct OutgoingPublish {
    std::string topic;
    std::string payload;
    std::uint8_t qos;
    std::function<void(bool)> done;
    bool sent_once = false;
  };

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<std::string> session(std::shared_ptr<Connection> conn);
  boost::asio::awaitable<void> read_loop(std::shared_ptr<Connection> conn, std::string& reason);
  boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> read_input(
      Connection& conn, const ReceivePacer& pacer, boost::asio::steady_timer& deadline,
      boost::asio::mutable_buffer buffer);
  boost::asio::awaitable<void> write_loop(std::shared_ptr<Connection> conn, std::string& reason);
  boost::asio::awaitable<void> linger_after_disconnect(std::shared_ptr<Connection> conn);
  boost::asio::awaitable<void> keepalive_loop(std::shared_ptr<Connection> conn,
                                              std::string& reason);
  void enqueue(std::string bytes);
  void send_publish(std::uint16_t packet_id, OutgoingPublish& p);
  std::uint16_t next_packet_id();
  void fail_pending_publishes();

  boost::asio::any_io_executor strand_;
  MqttClientOptions options_;
  MessageHandler on_message_;
  StateHandler on_state_;

  std::shared_ptr<Connection> conn_;
  std::uint64_t connection_seq_ = 0;
  std::atomic<bool> connected_{false};
  bool stopping_ = false;  // on the strand: the stop has taken effect (DISCONNECT queued)
  // Set by stop() at once, before its work reaches the strand: from then on no received
  // message is handed on (its PUBACK would follow the DISCONNECT).
  std::atomic<bool> stop_requested_{false};
  bool paused_ = false;
  boost::asio::steady_timer wake_;    // signals the write loop
  boost::asio::steady_timer resume_;  // signals the end of a pause
  boost::asio::steady_timer backoff_timer_;
  std::deque<std::string> out_;
  std::uint16_t last_packet_id_ = 0;
  std::map<std::uint16_t, OutgoingPublish> inflight_;  // our QoS 1 publishes awaiting PUBACK
  std::deque<OutgoingPublish> qos0_waiting_;           // QoS 0 publishes made while offline
  std::function<void()> stop_done_;
  std::chrono::steady_clock::time_point last_received_;
};

}  // namespace blazeiot
