#pragma once
// MQTT 3.1.1 packets: the subset a client needs (CONNECT, SUBSCRIBE, PUBLISH QoS 0/1, PUBACK,
// PINGREQ, DISCONNECT out; CONNACK, SUBACK, PUBLISH, PUBACK, PINGRESP in).
//
// We speak the protocol ourselves rather than through libmosquitto or Paho because neither
// lets us send a QoS 1 PUBACK after an asynchronous, batched database commit: libmosquitto
// acknowledges before its callback runs, and Paho acknowledges when its callback returns,
// which would force one commit per message. Deferred acks make "acknowledged => durable"
// hold at group-commit speed.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace blazeiot::mqtt {

enum class PacketType : std::uint8_t {
  connect = 1,
  connack = 2,
  publish = 3,
  puback = 4,
  pubrec = 5,
  pubrel = 6,
  pubcomp = 7,
  subscribe = 8,
  suback = 9,
  unsubscribe = 10,
  unsuback = 11,
  pingreq = 12,
  pingresp = 13,
  disconnect = 14,
};

struct ConnectOptions {
  std::string client_id;
  bool clean_session = false;
  std::uint16_t keepalive_s = 30;
  std::optional<std::string> username;
  std::optional<std::string> password;
};

std::string encode_connect(const ConnectOptions& options);
std::string encode_subscribe(std::uint16_t packet_id,
                             const std::vector<std::pair<std::string, std::uint8_t>>& filters);
std::string encode_publish(std::string_view topic, std::string_view payload, std::uint8_t qos,
                           bool retain, std::uint16_t packet_id, bool dup);
std::string encode_puback(std::uint16_t packet_id);
std::string encode_pingreq();
std::string encode_disconnect();

// One packet as framed on the wire. For a PUBLISH larger than the reader's limit only the
// beginning of the body is kept (enough for topic and packet id) and `truncated` is set.
struct Frame {
  std::uint8_t header = 0;
  std::string body;
  std::size_t full_size = 0;  // remaining length announced by the packet
  bool truncated = false;

  PacketType type() const { return static_cast<PacketType>(header >> 4); }
};

// Splits a byte stream into frames without ever buffering more than `max_body` bytes of one
// packet: the rest of an oversized PUBLISH is skipped as it arrives.
class FrameReader {
 public:
  explicit FrameReader(std::size_t max_body) : max_body_(max_body) {}

  // Consumes input; returns false on a malformed stream (the connection must be dropped).
  bool feed(std::string_view data, std::vector<Frame>& out);

 private:
  enum class State { header, length, body, skip };
  std::size_t max_body_;
  State state_ = State::header;
  Frame current_;
  std::size_t remaining_ = 0;  // bytes of the current body still to read or skip
  std::size_t length_ = 0;
  int length_shift_ = 0;
  int length_bytes_ = 0;
};

struct Publish {
  std::string topic;
  std::string_view payload;  // points into the frame's body
  std::uint8_t qos = 0;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;
};

std::optional<Publish> decode_publish(const Frame& frame);
// CONNACK: the return code (0 = accepted); nullopt when malformed.
std::optional<std::uint8_t> decode_connack(const Frame& frame);
// PUBACK / SUBACK / UNSUBACK: the packet id.
std::optional<std::uint16_t> decode_packet_id(const Frame& frame);
// SUBACK return codes (0x80 = failure).
std::vector<std::uint8_t> decode_suback_codes(const Frame& frame);

const char* connack_reason(std::uint8_t code);

}  // namespace blazeiot::mqtt
