#include "http/http_server.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <variant>

#include "core/log_throttle.hpp"
#include "http/body_io.hpp"

namespace blazeiot {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

constexpr std::size_t kHeaderLimit = 8 * 1024;
constexpr auto kIdleTimeout = 60s;    // keep-alive connection with no request under way
constexpr auto kHeaderTimeout = 15s;  // from a request's first byte to the end of its header,
                                      // and from accepting a connection to its first byte
constexpr auto kBodyTimeout = 60s;    // reading the body
constexpr auto kWriteTimeout = 30s;
constexpr auto kHandshakeTimeout = 10s;
constexpr auto kStopGrace = 3s;
constexpr std::size_t kMaxConnections = 10'000;
// One client address may hold this many of them, so that no single client can take them all
// (not applied behind a trusted proxy, where every connection comes from the proxy).
constexpr std::size_t kMaxConnectionsPerAddress = 1'000;
constexpr std::size_t kReadChunk = 4096;
constexpr int kBlockingThreads = 2;

// Includes timeouts: beast::tcp_stream closes the socket when one fires, so there is nobody
// left to answer.
bool quiet_disconnect(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == beast::error::timeout || ec == asio::error::operation_aborted ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::bad_descriptor || ec == asio::error::broken_pipe ||
         ec == ssl::error::stream_truncated;
}

using Strand = asio::any_io_executor;  // a strand: every accepted socket gets its own

}  // namespace

// One accepted connection as the server's stop logic sees it. Touched only on its strand.
struct Connection {
  Connection(Strand s, std::string a) : strand(std::move(s)), address(std::move(a)) {}
  Strand strand;
  const std::string address;  // the peer's, as accepted
  beast::tcp_stream* stream = nullptr;  // the lowest layer while the session owns one
  bool busy = false;                    // a request is being read, handled or answered
};

// Publishes a session's stream to stop() for as long as the stream object lives.
class StreamRegistration {
 public:
  StreamRegistration(Connection& c, beast::tcp_stream& stream) : c_(c) { c_.stream = &stream; }
  ~StreamRegistration() { c_.stream = nullptr; }
  StreamRegistration(const StreamRegistration&) = delete;
  StreamRegistration& operator=(const StreamRegistration&) = delete;

 private:
  Connection& c_;
};

struct HttpServer::State : std::enable_shared_from_this<HttpServer::State> {
  State(asio::io_context& io_context, PlatformServices& s, std::string jwt_secret)
      : io(io_context),
        services(s),
        app(s, std::move(jwt_secret)),
        acceptor(asio::make_strand(io_context)) {}

  asio::io_context& io;
  PlatformServices& services;
  ApiApp app;
  asio::thread_pool blocking{kBlockingThreads};
  std::optional<ssl::context> tls;
  tcp::acceptor acceptor;
  tcp::endpoint bound;
  std::size_t max_body_limit = 0;  // the largest any route takes; the parser's first limit
  std::atomic<bool> stopping{false};
  std::string upgrade_path;
  UpgradeHandler upgrade;

  std::mutex mutex;
  std::condition_variable drained;
  std::unordered_map<std::uint64_t, std::shared_ptr<Connection>> connections;
  std::unordered_map<std::string, std::size_t> per_address;  // open connections per peer
  std::uint64_t next_id = 0;
  std::vector<std::function<void()>> on_drained;
  std::unique_ptr<asio::steady_timer> stop_timer;

  // Registers a connection from `address`, or returns why it is refused.
  std::variant<std::pair<std::uint64_t, std::shared_ptr<Connection>>, std::string> add_connection(
      Strand strand, const std::string& address) {
    std::lock_guard lock(mutex);
    if (connections.size() >= kMaxConnections)
      return std::to_string(connections.size()) + " connections open, the most the server holds";
    std::size_t& from_address = per_address[address];
    if (from_address >= kMaxConnectionsPerAddress && !services.config.trust_proxy) {
      return std::to_string(from_address) + " connections open from " + address +
             ", the most one address may hold";
    }
    ++from_address;
    auto c = std::make_shared<Connection>(std::move(strand), address);
    const std::uint64_t id = next_id++;
    connections.emplace(id, c);
    return std::pair{id, c};
  }
  void remove_connection(std::uint64_t id) {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(mutex);
      auto it = connections.find(id);
      if (it == connections.end()) return;
      if (auto count = per_address.find(it->second->address);
          count != per_address.end() && --count->second == 0)
        per_address.erase(count);
      connections.erase(it);
      if (!connections.empty()) return;
      drained.notify_all();
      if (stopping) callbacks.swap(on_drained);
    }
    for (auto& cb : callbacks) asio::post(io, std::move(cb));
  }
  // Runs cb once no connection is left (now, if none is).
  void when_drained(std::function<void()> cb) {
    {
      std::lock_guard lock(mutex);
      if (!connections.empty()) {
        on_drained.push_back(std::move(cb));
        return;
      }
    }
    asio::post(io, std::move(cb));
  }
  // Runs fn(connection) on each connection's strand.
  template <class Fn>
  void for_each_connection(Fn fn) {
    std::vector<std::shared_ptr<Connection>> all;
    {
      std::lock_guard lock(mutex);
      for (auto& [id, c] : connections) all.push_back(c);
    }
    for (auto& c : all) asio::post(c->strand, [c, fn] { fn(*c); });
  }
};

namespace {

using State = HttpServer::State;

template <class Stream>
asio::awaitable<bool> write_response(Stream& stream, HttpResponse& response) {
  beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
  auto [ec, n] = co_await http::async_write(stream, response, use_nothrow);
  co_return !ec;
}

asio::awaitable<HttpResponse> finish_on_pool(State& s, ApiCall& call) {
  // Password hashing takes tens of milliseconds: keep it off the network threads.
  co_return co_await asio::co_spawn(
      s.blocking, [&]() -> asio::awaitable<HttpResponse> { co_return s.app.finish(call); },
      asio::use_awaitable);
}

bool wants_upgrade(const State& s, const HttpRequestHeader& header) {
  if (s.upgrade_path.empty() || !beast::websocket::is_upgrade(header)) return false;
  std::string_view target = header.target();
  return target.substr(0, target.find('?')) == s.upgrade_path;
}

template <class Stream>
void hand_over(State& s, Stream&& stream, HttpRequest&& request, const ClientInfo& client) {
  if constexpr (std::is_same_v<std::decay_t<Stream>, beast::tcp_stream>) {
    s.upgrade.plain(std::move(stream), std::move(request), client);
  } else {
    s.upgrade.tls(std::move(stream), std::move(request), client);
  }
}

// close_unread: the connection ends with request bytes not read (after a 4xx for a body that
// was refused); the peer gets time to read the answer before the socket closes.
enum class SessionEnd { close, close_unread, handed_over };

// Shuts down our side and discards what the peer still sends for a moment, so that closing a
// socket with unread input does not reset the connection before the peer read our answer.
asio::awaitable<void> linger_close(beast::tcp_stream& stream) {
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(2s);
  std::array<char, 8192> sink;
  std::size_t discarded = 0;
  constexpr std::size_t kMaxDiscard = 1024 * 1024;
  while (discarded < kMaxDiscard) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), use_nothrow);
    if (rec) break;
    discarded += n;
  }
}

// Serves requests on one connection until it closes, times out, or the server stops.
template <class Stream>
asio::awaitable<SessionEnd> serve_requests(State& s, Connection& conn, Stream& stream,
                                           beast::flat_buffer& buffer, const ClientInfo& client) {
  auto& lowest = beast::get_lowest_layer(stream);
  bool first_request = true;
  for (;;) {
    conn.busy = false;
    if (s.stopping) co_return SessionEnd::close;
    if (buffer.size() == 0) {
      // Idle keep-alive: wait for the next request's first bytes (stop() cancels this wait).
      // A new connection gets no longer for its first request than for a header: else
      // connections that never send anything could hold the server's places for a minute.
      lowest.expires_after(first_request ? kHeaderTimeout : kIdleTimeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kReadChunk), use_nothrow);
      if (ec) co_return SessionEnd::close;
      buffer.commit(n);
    }
    conn.busy = true;
    first_request = false;

    // A parser reads exactly one message; every request gets a fresh one.
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(s.max_body_limit);
    lowest.expires_after(kHeaderTimeout);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, use_nothrow);
    if (hec) {
      std::optional<HttpResponse> answer;
      if (hec == http::error::header_limit) {
        answer = s.app.reject(431, "Request header fields too large", client);
      } else if (hec == http::error::body_limit) {
        answer = s.app.reject(413, "Request body too large", client);
      } else if (!quiet_disconnect(hec)) {
        answer = s.app.reject(400, "Malformed HTTP request", client);
      }
      if (!answer) co_return SessionEnd::close;
      co_await write_response(stream, *answer);
      co_return SessionEnd::close_unread;
    }

    const HttpRequest& request = parser.get();
    const HttpRequestHeader& header = request.base();
    if (wants_upgrade(s, header) && parser.is_done()) {
      conn.stream = nullptr;
      hand_over(s, std::move(stream), parser.release(), client);
      co_return SessionEnd::handed_over;
    }

    ApiCall call = s.app.begin(request, client);
    s.app.open_body(call);
    bool body_pending = !parser.is_done();
    if (call.streams_body()) {
      // From here on `request` and `header` are moved-from: the body parser owns the message.
      const unsigned version = header.version();
      if (auto length = parser.content_length(); length && *length > call.body_limit) {
        HttpResponse r = s.app.reject(413, "Request body too large", client, version);
        co_await write_response(stream, r);
        co_return SessionEnd::close_unread;
      }
      if (beast::iequals(header[http::field::expect], "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, version};
        lowest.expires_after(kWriteTimeout);
        auto [cec, cn] = co_await http::async_write(stream, go_on, use_nothrow);
        if (cec) co_return SessionEnd::close;
      }
      const body_io::BodyOutcome outcome =
          co_await body_io::read_into_sink(stream, buffer, parser, *call.sink, call.body_limit);
      std::optional<HttpResponse> answer;
      if (outcome.refused_by_sink) {
        answer = s.app.refuse_body(call);
      } else if (outcome.error == http::error::body_limit) {
        answer = s.app.reject(413, "Request body too large", client, version);
      } else if (outcome.error && !quiet_disconnect(outcome.error)) {
        answer = s.app.reject(400, "Malformed HTTP request", client, version);
      } else if (outcome.error) {
        co_return SessionEnd::close;  // the sink goes with the call, and its file with it
      }
      if (answer) {
        co_await write_response(stream, *answer);
        co_return SessionEnd::close_unread;
      }
      HttpResponse response = co_await finish_on_pool(s, call);
      if (s.stopping) response.keep_alive(false);
      const bool written = co_await write_response(stream, response);
      if (!written || !response.keep_alive()) co_return SessionEnd::close;
      continue;
    }
    if (!call.immediate && body_pending) {
      if (auto length = parser.content_length(); length && *length > call.body_limit) {
        HttpResponse r = s.app.reject(413, "Request body too large", client, header.version());
        co_await write_response(stream, r);
        co_return SessionEnd::close_unread;
      }
      parser.body_limit(call.body_limit);
      if (beast::iequals(header[http::field::expect], "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, header.version()};
        lowest.expires_after(kWriteTimeout);
        auto [cec, cn] = co_await http::async_write(stream, go_on, use_nothrow);
        if (cec) co_return SessionEnd::close;
      }
      lowest.expires_after(kBodyTimeout);
      auto [bec, bn] = co_await http::async_read(stream, buffer, parser, use_nothrow);
      if (bec) {
        std::optional<HttpResponse> answer;
        if (bec == http::error::body_limit) {
          answer = s.app.reject(413, "Request body too large", client, header.version());
        } else if (!quiet_disconnect(bec)) {
          answer = s.app.reject(400, "Malformed HTTP request", client, header.version());
        }
        if (!answer) co_return SessionEnd::close;
        co_await write_response(stream, *answer);
        co_return SessionEnd::close_unread;
      }
      call.request.body = std::move(parser.get().body());
      body_pending = false;
    }

    // co_await stays out of conditional expressions and conditions: GCC 12 miscompiles
    // some of those (the response's header list was corrupted).
    HttpResponse response;
    if (call.blocking()) {
      response = co_await finish_on_pool(s, call);
    } else {
      response = s.app.finish(call);
    }
    // An unread body leaves the connection at an unknown position; a stopping server answers
    // and closes.
    if (body_pending || s.stopping) response.keep_alive(false);
    bool written = false;
    if (call.file) {
      written = co_await body_io::write_file(stream, header, response, *call.file, kWriteTimeout);
    } else {
      written = co_await write_response(stream, response);
    }
    if (!written) co_return SessionEnd::close;
    if (!response.keep_alive())
      co_return body_pending ? SessionEnd::close_unread : SessionEnd::close;
  }
}

// `id` and `conn`: its registration with the server (State::add_connection).
asio::awaitable<void> run_connection(std::shared_ptr<State> s, tcp::socket socket,
                                     std::uint64_t id, std::shared_ptr<Connection> conn) {
  struct Unregister {
    State& s;
    std::uint64_t id;
    ~Unregister() { s.remove_connection(id); }
  } unregister{*s, id};

  ClientInfo client;
  boost::system::error_code ec;
  client.peer_address = conn->address;
  beast::tcp_stream stream(std::move(socket));
  std::optional<StreamRegistration> registration(std::in_place, *conn, stream);
  beast::flat_buffer buffer;

  if (s->tls) {
    stream.expires_after(kHandshakeTimeout);
    auto [dec, is_tls] = co_await beast::async_detect_ssl(stream, buffer, use_nothrow);
    if (dec) co_return;
    if (is_tls) {
      beast::ssl_stream<beast::tcp_stream> tls_stream(std::move(stream), *s->tls);
      registration.reset();
      StreamRegistration tls_registration(*conn, beast::get_lowest_layer(tls_stream));
      auto [hec, used] =
          co_await tls_stream.async_handshake(ssl::stream_base::server, buffer.data(), use_nothrow);
      if (hec) co_return;
      buffer.consume(used);
      client.tls = true;
      const SessionEnd end = co_await serve_requests(*s, *conn, tls_stream, buffer, client);
      if (end == SessionEnd::handed_over) co_return;
      beast::get_lowest_layer(tls_stream).expires_after(2s);
      co_await tls_stream.async_shutdown(use_nothrow);
      co_return;
    }
    // Plain HTTP sent to the HTTPS port: say so instead of leaving the client hanging.
    HttpResponse r = s->app.reject(400, "This port speaks HTTPS", client);
    co_await write_response(stream, r);
    co_await linger_close(stream);
    co_return;
  }

  const SessionEnd end = co_await serve_requests(*s, *conn, stream, buffer, client);
  if (end == SessionEnd::handed_over) co_return;
  if (end == SessionEnd::close_unread) {
    co_await linger_close(stream);
  } else {
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }
}

void report_session_end(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::warn("http connection ended by an exception: {}", ex.what());
  } catch (...) {
    spdlog::warn("http connection ended by an unknown exception");
  }
}

asio::awaitable<void> accept_loop(std::shared_ptr<State> s) {
  // Refused connections are logged once per 10 s at most, with how many there were.
  LogThrottle refusals(1, 10s);
  for (;;) {
    auto [ec, socket] = co_await s->acceptor.async_accept(asio::make_strand(s->io), use_nothrow);
    if (ec) {
      if (ec == asio::error::operation_aborted || !s->acceptor.is_open() || s->stopping) co_return;
      // Out of file descriptors or a transient error: back off instead of spinning.
      spdlog::warn("http accept failed: {}", ec.message());
      asio::steady_timer pause(s->acceptor.get_executor(), 100ms);
      co_await pause.async_wait(use_nothrow);
      continue;
    }
    if (s->stopping) co_return;
    boost::system::error_code peer_error;
    auto peer = socket.remote_endpoint(peer_error);
    auto added = s->add_connection(Strand(socket.get_executor()),
                                   peer_error ? "unknown" : peer.address().to_string());
    if (auto* why = std::get_if<std::string>(&added)) {
      boost::system::error_code ignored;
      socket.close(ignored);
      if (std::size_t before = 0; refusals.allow(LogThrottle::Clock::now(), before))
        spdlog::warn("[http] refused a connection ({} more before it, not logged): {}", before,
                     *why);
      continue;
    }
    auto [id, conn] = std::get<0>(std::move(added));
    // Small responses and WebSocket frames go out at once instead of waiting for Nagle.
    boost::system::error_code nodelay_error;
    socket.set_option(tcp::no_delay(true), nodelay_error);
    auto executor = socket.get_executor();
    asio::co_spawn(executor, run_connection(s, std::move(socket), id, std::move(conn)),
                   report_session_end);
  }
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, PlatformServices& services, std::string jwt_secret)
    : state_(std::make_shared<State>(io, services, std::move(jwt_secret))) {}

HttpServer::~HttpServer() {
  stop();
  state_->blocking.join();
}

ApiApp& HttpServer::app() { return state_->app; }

void HttpServer::set_upgrade_handler(std::string path, UpgradeHandler handler) {
  state_->upgrade_path = std::move(path);
  state_->upgrade = std::move(handler);
}

void HttpServer::start() {
  State& s = *state_;
  const Config& config = s.services.config;

  s.max_body_limit = config.max_json_body;
  for (const Route& r : s.app.router().routes())
    if (r.body_limit) s.max_body_limit = std::max(s.max_body_limit, *r.body_limit);

  if (!config.tls_cert.empty()) {
    s.tls.emplace(ssl::context::tls_server);
    s.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
    boost::system::error_code ec;
    s.tls->use_certificate_chain_file(config.tls_cert, ec);
    if (ec) throw ConfigError("TLS_CERT: cannot use " + config.tls_cert + ": " + ec.message());
    s.tls->use_private_key_file(config.tls_key, ssl::context::pem, ec);
    if (ec) throw ConfigError("TLS_KEY: cannot use " + config.tls_key + ": " + ec.message());
  }

  const std::string where = config.host + ":" + std::to_string(config.port);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(config.host, ec);
  if (ec) throw std::runtime_error("cannot listen on " + where + ": HOST is not an IP address");
  tcp::endpoint endpoint(address, static_cast<unsigned short>(config.port));
  auto fail = [&](const char* step) {
    throw std::runtime_error("cannot listen on " + where + ": " + step + ": " + ec.message());
  };
  s.acceptor.open(endpoint.protocol(), ec);
  if (ec) fail("open");
  s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) fail("set_option");
  s.acceptor.bind(endpoint, ec);
  if (ec) fail("bind");
  s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail("listen");
  s.bound = s.acceptor.local_endpoint();
  asio::co_spawn(s.acceptor.get_executor(), accept_loop(state_), report_session_end);
  spdlog::info("[http] listening on {}://{}:{}", s.tls ? "https" : "http",
               s.bound.address().to_string(), s.bound.port());
}

tcp::endpoint HttpServer::local_endpoint() const { return state_->bound; }

void HttpServer::stop(std::function<void()> done) {
  begin_stop();
  state_->when_drained(std::move(done));
}

void HttpServer::stop() {
  begin_stop();
  State& s = *state_;
  if (s.io.get_executor().running_in_this_thread() || s.io.stopped()) return;
  std::unique_lock lock(s.mutex);
  s.drained.wait_for(lock, kStopGrace + 500ms, [&] { return s.connections.empty(); });
}

void HttpServer::begin_stop() {
  State& s = *state_;
  if (s.stopping.exchange(true)) return;
  auto state = state_;
  asio::post(s.acceptor.get_executor(), [state] {
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
  });
  // Idle connections go now; busy ones notice `stopping` after their response.
  s.for_each_connection([](Connection& c) {
    if (!c.busy && c.stream) c.stream->socket().cancel();
  });
  s.stop_timer = std::make_unique<asio::steady_timer>(s.io, kStopGrace);
  s.stop_timer->async_wait([state](boost::system::error_code ec) {
    if (ec) return;
    state->for_each_connection([](Connection& c) {
      boost::system::error_code ignored;
      if (c.stream) c.stream->socket().close(ignored);
    });
  });
}

}  // namespace blazeiot
