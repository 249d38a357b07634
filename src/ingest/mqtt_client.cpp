#include "ingest/mqtt_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <random>
#include <spdlog/spdlog.h>

namespace blazeiot {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

namespace {
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxWriteChunk = 256 * 1024;
constexpr std::size_t kMaxWaitingQos0 = 10'000;
constexpr auto kHandshakeTimeout = 10s;
// How long a stop waits for the broker to close after DISCONNECT (part of the 5 s a graceful
// stop has in all).
constexpr auto kDisconnectLinger = 2s;
}  // namespace

struct MqttClient::Connection {
  Connection(const asio::any_io_executor& ex, std::uint64_t seq, std::size_t max_body)
      : id(seq), socket(ex), reader(max_body) {}

  std::uint64_t id;
  tcp::socket socket;
  std::unique_ptr<ssl::context> tls_context;
  std::unique_ptr<ssl::stream<tcp::socket&>> tls;
  mqtt::FrameReader reader;
  bool session_ready = false;  // CONNACK accepted: packets other than CONNECT may be sent
  bool subscribed = false;
  bool disconnect_sent = false;  // a stop's DISCONNECT is written: linger before closing
  std::size_t receive_mark = 1;  // the socket's SO_RCVLOWAT

  template <class Buffer>
  asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> read_some(Buffer b) {
    if (tls) co_return co_await tls->async_read_some(b, use_nothrow);
    co_return co_await socket.async_read_some(b, use_nothrow);
  }
  template <class Buffer>
  asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> write(Buffer b) {
    if (tls) co_return co_await asio::async_write(*tls, b, use_nothrow);
    co_return co_await asio::async_write(socket, b, use_nothrow);
  }
  // SO_RCVLOWAT: how many bytes must be waiting before a wait for input ends. Only on plain
  // TCP, whose socket is then non-blocking for read_input's reads.
  void set_receive_mark(std::size_t bytes) {
    boost::system::error_code ignored;
    if (!socket.non_blocking()) socket.non_blocking(true, ignored);
    socket.set_option(asio::socket_base::receive_low_watermark(static_cast<int>(bytes)), ignored);
    receive_mark = bytes;
  }
  // Half-close: the broker reads everything sent so far, then end of stream.
  void shutdown_send() {
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
  }
  void close() {
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
};

MqttClient::MqttClient(asio::any_io_executor strand, MqttClientOptions options,
                       MessageHandler on_message, StateHandler on_state)
    : strand_(std::move(strand)),
      options_(std::move(options)),
      on_message_(std::move(on_message)),
      on_state_(std::move(on_state)),
      wake_(strand_),
      resume_(strand_),
      backoff_timer_(strand_) {}

MqttClient::~MqttClient() = default;

void MqttClient::start() {
  asio::co_spawn(strand_, [self = shared_from_this()] { return self->run(); }, asio::detached);
}

void MqttClient::stop(std::function<void()> done) {
  stop_requested_ = true;
  asio::post(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
    self->stopping_ = true;
    self->stop_done_ = std::move(done);
    self->paused_ = false;
    self->resume_.cancel();
    self->backoff_timer_.cancel();
    if (self->conn_ && self->conn_->session_ready) {
      // The write loop closes the socket once DISCONNECT is out.
      self->enqueue(mqtt::encode_disconnect());
    } else if (self->conn_) {
      self->conn_->close();
    }
  });
}

void MqttClient::acknowledge(const MqttAckToken& token) {
  if (token.packet_id == 0 || !conn_ || conn_->id != token.connection) return;
  enqueue(mqtt::encode_puback(token.packet_id));
}

void MqttClient::set_paused(bool paused) {
  if (paused_ == paused) return;
  paused_ = paused;
  if (!paused) {
    // Nothing was read while paused; don't mistake that for a silent broker.
    last_received_ = std::chrono::steady_clock::now();
    resume_.cancel();
  }
}

void MqttClient::publish(std::string topic, std::string payload, int qos,
                         std::function<void(bool)> done) {
  asio::post(strand_, [self = shared_from_this(), topic = std::move(topic),
                       payload = std::move(payload), qos, done = std::move(done)]() mutable {
    if (self->stopping_) {
      if (done) done(false);
      return;
    }
    OutgoingPublish p{std::move(topic), std::move(payload), static_cast<std::uint8_t>(qos ? 1 : 0),
                      std::move(done)};
    if (p.qos == 1) {
      std::uint16_t id = self->next_packet_id();
      auto& stored = self->inflight_[id] = std::move(p);
      if (self->conn_ && self->conn_->session_ready) self->send_publish(id, stored);
      return;
    }
    if (self->conn_ && self->conn_->session_ready) {
      self->send_publish(0, p);
    } else if (self->qos0_waiting_.size() < kMaxWaitingQos0) {
      self->qos0_waiting_.push_back(std::move(p));
    } else if (p.done) {
      p.done(false);
    }
  });
}

void MqttClient::send_publish(std::uint16_t packet_id, OutgoingPublish& p) {
  enqueue(mqtt::encode_publish(p.topic, p.payload, p.qos, false, packet_id, p.sent_once));
  p.sent_once = true;
  if (p.qos == 0 && p.done) {
    auto done = std::move(p.done);
    done(true);
  }
}

std::uint16_t MqttClient::next_packet_id() {
  do {
    if (++last_packet_id_ == 0) last_packet_id_ = 1;
  } while (inflight_.count(last_packet_id_));
  return last_packet_id_;
}

void MqttClient::enqueue(std::string bytes) {
  out_.push_back(std::move(bytes));
  wake_.cancel();
}

void MqttClient::fail_pending_publishes() {
  for (auto& [id, p] : inflight_)
    if (p.done) p.done(false);
  inflight_.clear();
  for (auto& p : qos0_waiting_)
    if (p.done) p.done(false);
  qos0_waiting_.clear();
}

asio::awaitable<void> MqttClient::run() {
  auto self = shared_from_this();  // keep alive for the whole session loop
  std::minstd_rand jitter(std::random_device{}());
  auto backoff = std::chrono::milliseconds(500);
  while (!stopping_) {
    auto conn = std::make_shared<Connection>(strand_, ++connection_seq_,
                                             options_.max_payload + 65539);
    conn_ = conn;
    std::string reason = co_await session(conn);
    if (conn->disconnect_sent) co_await linger_after_disconnect(conn);
    conn->close();
    bool was_connected = connected_.exchange(false);
    conn_.reset();
    if (stopping_) break;
    on_state_(false, reason);
    if (was_connected) backoff = std::chrono::milliseconds(500);
    backoff_timer_.expires_after(backoff + std::chrono::milliseconds(jitter() % 250));
    co_await backoff_timer_.async_wait(use_nothrow);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, 30s);
  }
  fail_pending_publishes();
  if (stop_done_) asio::post(strand_, std::move(stop_done_));
}

asio::awaitable<std::string> MqttClient::session(std::shared_ptr<Connection> conn) {
  // Anything that does not finish within the handshake timeout closes the socket, which
  // fails the pending operation.
  asio::steady_timer watchdog(strand_);
  watchdog.expires_after(kHandshakeTimeout);
  watchdog.async_wait([conn](boost::system::error_code ec) {
    if (!ec && !conn->subscribed) conn->close();
  });

  tcp::resolver resolver(strand_);
  auto [rec, endpoints] =
      co_await resolver.async_resolve(options_.host, std::to_string(options_.port), use_nothrow);
  if (rec) co_return "cannot resolve " + options_.host + ": " + rec.message();
  auto [cec, endpoint] = co_await asio::async_connect(conn->socket, endpoints, use_nothrow);
  if (cec) co_return "cannot connect to " + options_.host + ":" + std::to_string(options_.port) +
                     ": " + cec.message();
  boost::system::error_code ignored;
  conn->socket.set_option(tcp::no_delay(true), ignored);

  if (options_.tls) {
    conn->tls_context = std::make_unique<ssl::context>(ssl::context::tls_client);
    auto& ctx = *conn->tls_context;
    ctx.set_options(ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                    ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    if (options_.ca_file.empty()) {
      ctx.set_default_verify_paths(ec);
    } else {
      ctx.load_verify_file(options_.ca_file, ec);
    }
    if (ec) co_return "cannot load CA certificates " + options_.ca_file + ": " + ec.message();
    ctx.set_verify_mode(ssl::verify_peer);
    conn->tls = std::make_unique<ssl::stream<tcp::socket&>>(conn->socket, ctx);
    SSL_set_tlsext_host_name(conn->tls->native_handle(), options_.host.c_str());
    conn->tls->set_verify_callback(ssl::host_name_verification(options_.host));
    auto [hec] = co_await conn->tls->async_handshake(ssl::stream_base::client, use_nothrow);
    if (hec) co_return "TLS handshake with " + options_.host + " failed: " + hec.message();
  }

  // Packets queued for an earlier connection are void (its PUBACKs would name the wrong
  // packets); our own QoS 1 publishes are resent from inflight_ after CONNACK.
  out_.clear();
  mqtt::ConnectOptions co;
  co.client_id = options_.client_id;
  co.clean_session = options_.clean_session;
  co.keepalive_s = options_.keepalive_s;
  if (!options_.username.empty()) co.username = options_.username;
  if (!options_.password.empty()) co.password = options_.password;
  enqueue(mqtt::encode_connect(co));
  last_received_ = std::chrono::steady_clock::now();

  std::string reason;
  co_await (read_loop(conn, reason) || write_loop(conn, reason) || keepalive_loop(conn, reason));
  watchdog.cancel();
  if (reason.empty()) reason = conn->subscribed ? "connection closed" : "handshake timed out";
  co_return reason;
}

// Whatever input has come, once there is some. While a gathering mark is set, waiting for
// it is bounded by the pacer's deadline and the read itself never waits: a readiness event
// can be stale by the time it is handled (the socket emptied meanwhile), and a read queued
// then would wait for the mark with no deadline, leaving the end of a burst unread. Only a
// wait may race the deadline: a read that lost the race could already have taken bytes off
// the socket, and they would be lost with its result.
asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> MqttClient::read_input(
    Connection& conn, const ReceivePacer& pacer, asio::steady_timer& deadline,
    asio::mutable_buffer buffer) {
  if (conn.receive_mark > 1) {
    deadline.expires_after(pacer.deadline());
    for (;;) {
      auto woken = co_await (conn.socket.async_wait(tcp::socket::wait_read, use_nothrow) ||
                             deadline.async_wait(use_nothrow));
      if (woken.index() == 1) break;
      boost::system::error_code ec;
      std::size_t n = conn.socket.read_some(buffer, ec);  // the socket is non-blocking
      if (ec != asio::error::would_block) co_return std::tuple{ec, n};
    }
    // The flow fell short of the mark: read what has come (or the first byte to come). The
    // read loop sets the pacer's mark again after the read: the flow often picks up again
    // at once, and a sparse one ends gathering at the window's end.
    conn.set_receive_mark(1);
  }
  co_return co_await conn.read_some(buffer);
}

asio::awaitable<void> MqttClient::read_loop(std::shared_ptr<Connection> conn, std::string& reason) {
  try {
    std::vector<char> buffer(64 * 1024);
    std::vector<mqtt::Frame> frames;
    ReceivePacer pacer;
    asio::steady_timer gather_deadline(strand_);
    for (;;) {
      while (paused_ && !stopping_) {
        resume_.expires_at(asio::steady_timer::time_point::max());
        co_await resume_.async_wait(use_nothrow);
      }
      auto [ec, n] = co_await read_input(*conn, pacer, gather_deadline, asio::buffer(buffer));
      if (ec) {
        reason = ec == asio::error::eof ? "connection closed by the broker"
                                        : "read failed: " + ec.message();
        co_return;
      }
      last_received_ = std::chrono::steady_clock::now();
      if (!conn->reader.feed(std::string_view(buffer.data(), n), frames)) {
        reason = "malformed packet from the broker";
        co_return;
      }
      // Reads are gathered at high rates on plain TCP only: under TLS the mark would count
      // encrypted bytes and could hold back the rest of a record the TLS layer waits for.
      if (!conn->tls) {
        if (pacer.on_read(n, frames.size(), last_received_)) {
          spdlog::debug("[mqtt] {:.0f} msg/s: waking the reader at {} byte(s)", pacer.rate(),
                        pacer.mark());
        }
        // Also after a deadline-ended wait, which left the socket at 1.
        if (pacer.mark() != conn->receive_mark) conn->set_receive_mark(pacer.mark());
      }
      for (mqtt::Frame& f : frames) {
        switch (f.type()) {
          case mqtt::PacketType::connack: {
            auto code = mqtt::decode_connack(f);
            if (!code || *code != 0) {
              reason = std::string("broker refused the connection: ") +
                       (code ? mqtt::connack_reason(*code) : "malformed CONNACK");
              co_return;
            }
            conn->session_ready = true;
            std::vector<std::pair<std::string, std::uint8_t>> filters;
            for (const auto& s : options_.subscriptions) filters.emplace_back(s, 1);
            if (!filters.empty()) enqueue(mqtt::encode_subscribe(next_packet_id(), filters));
            for (auto& [id, p] : inflight_) send_publish(id, p);
            while (!qos0_waiting_.empty()) {
              send_publish(0, qos0_waiting_.front());
              qos0_waiting_.pop_front();
            }
            if (filters.empty()) {
              conn->subscribed = true;
              connected_ = true;
              on_state_(true, "");
            }
            break;
          }
          case mqtt::PacketType::suback: {
            std::string refused;
            auto codes = mqtt::decode_suback_codes(f);
            for (std::size_t i = 0; i < codes.size() && i < options_.subscriptions.size(); ++i)
              if (codes[i] == 0x80)
                refused += (refused.empty() ? "" : ", ") + options_.subscriptions[i];
            conn->subscribed = true;
            connected_ = true;
            on_state_(true, refused.empty() ? "" : "subscription refused: " + refused);
            break;
          }
          case mqtt::PacketType::publish: {
            // Once a stop is asked for, a message would be stored but its PUBACK would follow
            // the DISCONNECT and never reach the broker, which would then deliver it again to
            // the next session: leave it unacknowledged instead.
            if (stop_requested_) break;
            auto p = mqtt::decode_publish(f);
            if (!p) {
              reason = "malformed PUBLISH from the broker";
              co_return;
            }
            MqttMessage m;
            m.topic = std::move(p->topic);
            m.payload.assign(p->payload);
            m.qos = p->qos;
            m.retained = p->retain;
            m.truncated = f.truncated;
            m.size = f.truncated ? f.full_size - 2 - m.topic.size() - (p->qos ? 2 : 0)
                                 : p->payload.size();
            m.ack = MqttAckToken{conn->id, p->qos > 0 ? p->packet_id : std::uint16_t{0}};
            on_message_(std::move(m));
            break;
          }
          case mqtt::PacketType::puback: {
            if (auto id = mqtt::decode_packet_id(f)) {
              auto it = inflight_.find(*id);
              if (it != inflight_.end()) {
                auto done = std::move(it->second.done);
                inflight_.erase(it);
                if (done) done(true);
              }
            }
            break;
          }
          default:
            break;  // PINGRESP, UNSUBACK: nothing to do
        }
      }
      frames.clear();
    }
  } catch (const std::exception& e) {
    if (reason.empty()) reason = e.what();
  }
}

asio::awaitable<void> MqttClient::write_loop(std::shared_ptr<Connection> conn,
                                             std::string& reason) {
  try {
    std::string chunk;
    for (;;) {
      if (out_.empty()) {
        if (stopping_ && conn->session_ready) {
          conn->disconnect_sent = true;
          reason = "stopped";
          co_return;
        }
        wake_.expires_at(asio::steady_timer::time_point::max());
        co_await wake_.async_wait(use_nothrow);
        continue;
      }
      // Coalesce queued packets into one write: far fewer syscalls under load.
      chunk.clear();
      while (!out_.empty() && chunk.size() < kMaxWriteChunk) {
        chunk += out_.front();
        out_.pop_front();
      }
      auto [ec, n] = co_await conn->write(asio::buffer(chunk));
      if (ec) {
        reason = "write failed: " + ec.message();
        co_return;
      }
    }
  } catch (const std::exception& e) {
    if (reason.empty()) reason = e.what();
  }
}

// Closing a socket that still has unread input makes the kernel reset the connection, and a
// reset throws away what the broker has not read yet: under load, tens of thousands of
// PUBACKs queued behind the DISCONNECT, whose messages the broker would then deliver again
// (stored twice) to the next session. So after DISCONNECT: half-close, discard what still
// arrives (those messages stay unacknowledged and are redelivered), and close only when the
// broker has closed its side, which it does after reading everything we sent.
asio::awaitable<void> MqttClient::linger_after_disconnect(std::shared_ptr<Connection> conn) {
  conn->shutdown_send();
  if (conn->receive_mark > 1) conn->set_receive_mark(1);  // left by the read loop
  asio::steady_timer deadline(strand_);
  deadline.expires_after(kDisconnectLinger);
  deadline.async_wait([conn](boost::system::error_code ec) {
    if (!ec) conn->close();
  });
  // The raw TCP stream even under TLS: the bytes are discarded, only the end matters.
  std::vector<char> discard(64 * 1024);
  for (;;) {
    auto [ec, n] = co_await conn->socket.async_read_some(asio::buffer(discard), use_nothrow);
    if (ec) break;
  }
  deadline.cancel();
}

asio::awaitable<void> MqttClient::keepalive_loop(std::shared_ptr<Connection> conn,
                                                 std::string& reason) {
  try {
    asio::steady_timer tick(strand_);
    const auto keepalive = std::chrono::seconds(options_.keepalive_s);
    auto last_ping = std::chrono::steady_clock::now();
    for (;;) {
      tick.expires_after(1s);
      co_await tick.async_wait(asio::use_awaitable);
      auto now = std::chrono::steady_clock::now();
      if (!paused_ && now - last_received_ > keepalive + keepalive / 2) {
        reason = "the broker stopped answering (keep-alive timeout)";
        co_return;
      }
      if (conn->session_ready && now - last_ping >= keepalive / 2) {
        enqueue(mqtt::encode_pingreq());
        last_ping = now;
      }
    }
  } catch (const std::exception& e) {
    if (reason.empty()) reason = e.what();
  }
}

}  // namespace blazeiot
