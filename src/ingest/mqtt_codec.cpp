#include "ingest/mqtt_codec.hpp"

#include <algorithm>

namespace blazeiot::mqtt {
namespace {

void put_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

void put_string(std::string& out, std::string_view s) {
  put_u16(out, static_cast<std::uint16_t>(s.size()));
  out.append(s);
}

void put_remaining_length(std::string& out, std::size_t len) {
  do {
    std::uint8_t byte = len % 128;
    len /= 128;
    if (len > 0) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (len > 0);
}

std::string packet(std::uint8_t header, std::string_view body) {
  std::string out;
  out.reserve(body.size() + 5);
  out.push_back(static_cast<char>(header));
  put_remaining_length(out, body.size());
  out.append(body);
  return out;
}

std::uint16_t get_u16(std::string_view s, std::size_t pos) {
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(s[pos]) << 8) |
                                    static_cast<std::uint8_t>(s[pos + 1]));
}

}  // namespace

std::string encode_connect(const ConnectOptions& o) {
  std::string body;
  put_string(body, "MQTT");
  body.push_back(4);  // protocol level 3.1.1
  std::uint8_t flags = 0;
  if (o.clean_session) flags |= 0x02;
  if (o.username) flags |= 0x80;
  if (o.password) flags |= 0x40;
  body.push_back(static_cast<char>(flags));
  put_u16(body, o.keepalive_s);
  put_string(body, o.client_id);
  if (o.username) put_string(body, *o.username);
  if (o.password) put_string(body, *o.password);
  return packet(0x10, body);
}

std::string encode_subscribe(std::uint16_t packet_id,
                             const std::vector<std::pair<std::string, std::uint8_t>>& filters) {
  std::string body;
  put_u16(body, packet_id);
  for (const auto& [filter, qos] : filters) {
    put_string(body, filter);
    body.push_back(static_cast<char>(qos));
  }
  return packet(0x82, body);
}

std::string encode_publish(std::string_view topic, std::string_view payload, std::uint8_t qos,
                           bool retain, std::uint16_t packet_id, bool dup) {
  std::string body;
  body.reserve(topic.size() + payload.size() + 4);
  put_string(body, topic);
  if (qos > 0) put_u16(body, packet_id);
  body.append(payload);
  std::uint8_t header = 0x30 | (qos << 1) | (retain ? 1 : 0) | (dup && qos > 0 ? 0x08 : 0);
  return packet(header, body);
}

std::string encode_puback(std::uint16_t packet_id) {
  std::string body;
  put_u16(body, packet_id);
  return packet(0x40, body);
}

std::string encode_pingreq() { return std::string("\xc0\x00", 2); }
std::string encode_disconnect() { return std::string("\xe0\x00", 2); }

bool FrameReader::feed(std::string_view data, std::vector<Frame>& out) {
  std::size_t i = 0;
  while (i < data.size()) {
    switch (state_) {
      case State::header:
        current_ = Frame{};
        current_.header = static_cast<std::uint8_t>(data[i++]);
        if ((current_.header >> 4) == 0) return false;  // reserved type
        length_ = 0;
        length_shift_ = 0;
        length_bytes_ = 0;
        state_ = State::length;
        break;
      case State::length: {
        auto byte = static_cast<std::uint8_t>(data[i++]);
        length_ |= static_cast<std::size_t>(byte & 0x7f) << length_shift_;
        length_shift_ += 7;
        if (++length_bytes_ > 4) return false;
        if (byte & 0x80) break;
        current_.full_size = length_;
        remaining_ = length_;
        if (length_ > max_body_) {
          // Only a PUBLISH may legitimately be large; keep its variable header so it can
          // still be acknowledged (and counted as rejected), skip the payload.
          if (current_.type() != PacketType::publish) return false;
          current_.truncated = true;
        }
        if (remaining_ == 0) {
          out.push_back(std::move(current_));
          state_ = State::header;
        } else {
          current_.body.reserve(std::min<std::size_t>(remaining_, 65539));
          state_ = State::body;
        }
        break;
      }
      case State::body: {
        // A truncated PUBLISH keeps at most topic (2 + 65535) + packet id (2) bytes.
        std::size_t keep_limit = current_.truncated
                                     ? std::min<std::size_t>(current_.full_size, 65539)
                                     : current_.full_size;
        std::size_t take = std::min(keep_limit - current_.body.size(), data.size() - i);
        current_.body.append(data.substr(i, take));
        i += take;
        remaining_ -= take;
        if (current_.body.size() == keep_limit) {
          out.push_back(std::move(current_));
          state_ = remaining_ == 0 ? State::header : State::skip;
        }
        break;
      }
      case State::skip: {
        std::size_t n = std::min(remaining_, data.size() - i);
        i += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::header;
        break;
      }
    }
  }
  return true;
}

std::optional<Publish> decode_publish(const Frame& f) {
  Publish p;
  p.qos = (f.header >> 1) & 0x03;
  p.retain = f.header & 0x01;
  p.dup = f.header & 0x08;
  if (p.qos > 2) return std::nullopt;
  std::string_view body = f.body;
  if (body.size() < 2) return std::nullopt;
  std::size_t topic_len = get_u16(body, 0);
  std::size_t pos = 2 + topic_len;
  if (body.size() < pos) return std::nullopt;
  p.topic.assign(body.substr(2, topic_len));
  if (p.qos > 0) {
    if (body.size() < pos + 2) return std::nullopt;
    p.packet_id = get_u16(body, pos);
    pos += 2;
  }
  p.payload = f.truncated ? std::string_view{} : body.substr(pos);
  return p;
}

std::optional<std::uint8_t> decode_connack(const Frame& f) {
  if (f.type() != PacketType::connack || f.body.size() != 2) return std::nullopt;
  return static_cast<std::uint8_t>(f.body[1]);
}

std::optional<std::uint16_t> decode_packet_id(const Frame& f) {
  if (f.body.size() < 2) return std::nullopt;
  return get_u16(f.body, 0);
}

std::vector<std::uint8_t> decode_suback_codes(const Frame& f) {
  std::vector<std::uint8_t> codes;
  for (std::size_t i = 2; i < f.body.size(); ++i) codes.push_back(static_cast<std::uint8_t>(f.body[i]));
  return codes;
}

const char* connack_reason(std::uint8_t code) {
  switch (code) {
    case 0: return "accepted";
    case 1: return "unacceptable protocol version";
    case 2: return "client identifier rejected";
    case 3: return "server unavailable";
    case 4: return "bad user name or password";
    case 5: return "not authorized";
    default: return "unknown reason";
  }
}

}  // namespace blazeiot::mqtt
