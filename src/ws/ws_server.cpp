#include "ws/ws_server.hpp"

#include "ws/corked_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <spdlog/spdlog.h>
#include <unordered_map>

#include "auth/jwt.hpp"
#include "core/iso_time.hpp"
#include "core/log_throttle.hpp"
#include "core/json_text.hpp"

namespace blazeiot {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

std::string message(std::string_view type, json::object fields = {}) {
  fields.emplace("type", type);
  return json_text(fields);
}

std::string error_message(std::string_view text) {
  return message("error", {{"message", text}});
}

struct TokenSource {
  std::string token;
  bool via_protocol = false;
};

// ?token=, then Authorization: Bearer, then Sec-WebSocket-Protocol: access_token, <JWT>.
TokenSource find_token(const HttpRequest& req) {
  auto url = boost::urls::parse_origin_form(req.target());
  if (url) {
    auto params = url->params();
    auto it = params.find("token");
    if (it != params.end() && !(*it).value.empty()) return {std::string((*it).value), false};
  }
  auto auth = req[beast::http::field::authorization];
  if (auth.size() > 7 && (auth.starts_with("Bearer ") || auth.starts_with("bearer ")))
    return {std::string(auth.substr(7)), false};
  std::string_view protocols = req[beast::http::field::sec_websocket_protocol];
  std::size_t marker = protocols.find("access_token");
  if (marker != std::string_view::npos) {
    std::string_view rest = protocols.substr(marker + 12);
    while (!rest.empty() && (rest.front() == ',' || rest.front() == ' ')) rest.remove_prefix(1);
    std::size_t end = rest.find(',');
    std::string_view token = rest.substr(0, end);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (!token.empty()) return {std::string(token), true};
  }
  return {};
}

// Token bucket for client messages.
class RateGate {
 public:
  RateGate(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}
  bool allow() {
    auto now = std::chrono::steady_clock::now();
    std::chrono::duration<double> dt = now - last_;
    last_ = now;
    tokens_ = std::min(burst_, tokens_ + dt.count() * rate_);
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  double rate_, burst_, tokens_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// Whose session it is, as checked at connect; set before the session is registered with the
// server and not changed after, so the account checks may read it under the server's mutex.
struct SessionAccount {
  std::int64_t user_id = 0;
  EpochMs token_issued_at = 0;
};

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void shutdown() = 0;
  // Closes with 1008 and `reason` (once; later calls do nothing); safe from any thread.
  virtual void revoke(std::string reason) = 0;
  // The account's role changed: the session's rights follow (an admin no longer may read
  // the logs channel); safe from any thread.
  virtual void set_admin(bool admin) = 0;
  SessionAccount account;
  // Whether the account is an admin, as last read; written by set_admin's caller.
  std::atomic<bool> admin{false};
  std::atomic<bool> revoked{false};
};

// Why a session of `account` may not go on, given its stored user now (nullopt: deleted);
// empty when it may.
std::string revocation(const SessionAccount& account, const std::optional<User>& user) {
  if (!user) return "account deleted";
  if (user->token_revoked(account.token_issued_at)) return "token revoked";
  return {};
}

}  // namespace

struct WsServer::State {
  State(PlatformServices& s, std::string jwt_secret, WsLimits l)
      : services(s),
        limits(l),
        hub(s.events, l.soft_buffer, l.hard_buffer, s.cluster_events),
        jwt(std::move(jwt_secret), s.config.jwt_expires_in_s) {}

  PlatformServices& services;
  WsLimits limits;
  WsHub hub;
  JwtCodec jwt;
  std::mutex mutex;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;
  std::condition_variable session_ended;  // notified when `sessions` shrinks
  bool stopping = false;
  // A client can provoke refusals at will (bad tokens): 20 lines per 10 s at most.
  LogThrottle refusal_log{20, std::chrono::seconds(10)};
};

namespace {

template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  // Frames queued for a client go out together, up to this many bytes per system call.
  static constexpr std::size_t kBatchBytes = 32 * 1024;
  // Batches sent directly one after the other before the strand's other work gets a turn.
  static constexpr int kBatchesInARow = 8;

  Session(Stream&& stream, std::shared_ptr<WsServer::State> server, ClientInfo client)
      : ws_(std::move(stream)),
        server_(std::move(server)),
        peer_(std::move(client.peer_address)),
        wake_timer_(ws_.get_executor()),
        expiry_timer_(ws_.get_executor()),
        gate_(server_->limits.inbound_rate, server_->limits.inbound_burst) {}

  void start(HttpRequest&& request) {
    asio::co_spawn(ws_.get_executor(),
                   [self = this->shared_from_this(), req = std::move(request)]() mutable {
                     return self->run(std::move(req));
                   },
                   asio::detached);
  }

  void shutdown() override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] {
      self->close_soon(websocket::close_code::going_away, "server shutting down");
    });
  }

  void revoke(std::string reason) override {
    if (revoked.exchange(true)) return;
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), r = std::move(reason)] {
      // Nothing more goes out to it but what is queued and the close.
      if (self->client_)
        for (WsChannel c : kAllWsChannels) self->client_->unsubscribe(c);
      self->close_soon(websocket::close_code::policy_error, r);
    });
  }

  void set_admin(bool is_admin) override {
    if (admin.exchange(is_admin) == is_admin || is_admin) return;
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] {
      if (self->client_ && self->client_->unsubscribe(WsChannel::logs))
        self->client_->reply(message("unsubscribed", {{"channel", "logs"},
                                                      {"reason", "no longer an administrator"}}));
    });
  }

 private:
  asio::awaitable<void> run(HttpRequest req) {
    WsServer::State& s = *server_;
    TokenSource token = find_token(req);
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = 10s;
    timeouts.idle_timeout = 60s;     // with keep-alive pings: a ping after 30 s of silence,
    timeouts.keep_alive_pings = true;  // the connection dropped after 60 s without an answer
    ws_.set_option(timeouts);
    ws_.read_message_max(s.limits.max_inbound_message);
    ws_.set_option(websocket::stream_base::decorator([via = token.via_protocol](
                                                         websocket::response_type& res) {
      res.set(beast::http::field::server, "BlazeIoT");
      if (via) res.set(beast::http::field::sec_websocket_protocol, "access_token");
    }));
    auto [aec] = co_await ws_.async_accept(req, use_nothrow);
    if (aec) co_return;

    // A browser cannot read the HTTP status of a refused upgrade, so refusals are close codes.
    if (token.token.empty())
      co_return co_await refuse(websocket::close_code::policy_error, "authentication required");
    auto verified = s.jwt.verify(token.token, s.services.clock.now_ms());
    if (auto* err = std::get_if<TokenError>(&verified))
      co_return co_await refuse(websocket::close_code::policy_error,
                                std::string("invalid token: ") + to_string(*err));
    const TokenClaims claims = std::get<TokenClaims>(verified);
    // As for the REST API: a deleted account's tokens, and tokens from before a password
    // change, are refused; the role is the account's, not the token's.
    account.user_id = claims.user_id;
    account.token_issued_at = claims.issued_at;
    std::string refused = "cannot check the account";
    try {
      auto user = s.services.storage.users().find_by_id(claims.user_id);
      admin = user && user->role == "admin";
      refused = revocation(account, user);
    } catch (const std::exception& e) {
      spdlog::warn("[ws] cannot check the account of a token: {}", e.what());
    }
    if (!refused.empty())
      co_return co_await refuse(websocket::close_code::policy_error, "invalid token: " + refused);
    // Decide under the lock, refuse after releasing it: the close handshake waits on the peer.
    std::optional<std::pair<websocket::close_code, const char*>> refusal;
    {
      std::lock_guard lock(s.mutex);
      if (s.stopping) {
        refusal.emplace(websocket::close_code::going_away, "server shutting down");
      } else if (s.sessions.size() >= s.limits.max_connections) {
        refusal.emplace(websocket::close_code::try_again_later, "too many connections");
      } else {
        s.sessions[this] = this->weak_from_this();
      }
    }
    if (refusal) co_return co_await refuse(refusal->first, refusal->second);

    std::weak_ptr<Session> weak = this->shared_from_this();
    auto executor = ws_.get_executor();
    // The executor is this connection's strand (HttpServer makes one per socket). When the
    // hub's fan-out runs on a network thread and the strand is free, dispatch sends right
    // there instead of queueing 100 hand-offs to the other thread per commit: in alternated
    // runs at 5,000 events/s to 100 clients, p99 fell in every pair (e.g. 14.6 -> 11.8 ms).
    client_ = s.hub.add([weak, executor] {
      asio::dispatch(executor, [weak] {
        if (auto self = weak.lock()) self->on_wake();
      });
    });
    spdlog::info("[ws] client {} connected from {} as {}", client_->id(), peer_, claims.username);
    client_->reply(message("connected", {{"message", "Connected to BlazeIoT real-time stream"},
                                         {"clientId", "ws-" + std::to_string(client_->id())}}));

    // Close when the token expires: the client must log in again.
    auto remaining = std::chrono::milliseconds(claims.expires_at - s.services.clock.now_ms());
    expiry_timer_.expires_after(std::max<std::chrono::milliseconds>(remaining, 0ms));
    expiry_timer_.async_wait([weak](boost::system::error_code ec) {
      if (auto self = weak.lock(); self && !ec)
        self->close_soon(websocket::close_code::policy_error, "token expired");
    });

    asio::co_spawn(executor, [self = this->shared_from_this()] { return self->write_loop(); },
                   asio::detached);
    co_await read_loop();

    closed_ = true;
    expiry_timer_.cancel();
    wake_timer_.cancel();
    s.hub.remove(client_->id());
    {
      std::lock_guard lock(s.mutex);
      s.sessions.erase(this);
    }
    s.session_ended.notify_all();
    spdlog::info("[ws] client {} disconnected", client_->id());
  }

  asio::awaitable<void> refuse(websocket::close_code code, std::string reason) {
    if (std::size_t before = 0; server_->refusal_log.allow(LogThrottle::Clock::now(), before))
      spdlog::warn("[ws] refused connection from {}: {}{}", peer_, reason,
                   before ? " (" + std::to_string(before) + " more before it, not logged)" : "");
    co_await ws_.async_close(websocket::close_reason(code, reason), use_nothrow);
  }

  asio::awaitable<void> read_loop() {
    beast::flat_buffer buffer;
    for (;;) {
      buffer.clear();
      auto [ec, n] = co_await ws_.async_read(buffer, use_nothrow);
      if (ec) co_return;
      if (closing_ || close_code_) continue;  // drain until the close handshake finishes
      std::string_view text(static_cast<const char*>(buffer.data().data()), buffer.size());
      if (!gate_.allow()) {
        client_->reply(error_message("too many messages; slow down"));
        count_error();
      } else if (!ws_.got_text()) {
        client_->reply(error_message("binary messages are not supported"));
        count_error();
      } else {
        handle(text);
      }
    }
  }

  void count_error() {
    if (++errors_ >= server_->limits.max_errors)
      close_soon(websocket::close_code::policy_error, "too many invalid messages");
  }

  void handle(std::string_view text) {
    boost::system::error_code ec;
    json::parse_options opts;
    opts.max_depth = 8;
    json::value v = json::parse(text, ec, {}, opts);
    if (ec || !v.is_object()) {
      client_->reply(error_message("messages must be JSON objects"));
      return count_error();
    }
    const json::object& o = v.get_object();
    const json::value* type = o.if_contains("type");
    if (!type || !type->is_string()) {
      client_->reply(error_message("missing \"type\""));
      return count_error();
    }
    std::string_view t = type->get_string();
    if (t == "ping") {
      client_->reply(message("pong", {{"timestamp", s_now()}}));
      return;
    }
    if (t != "subscribe" && t != "unsubscribe") {
      client_->reply(error_message("unknown message type: " + std::string(t.substr(0, 40))));
      return count_error();
    }
    const json::value* ch = o.if_contains("channel");
    std::optional<WsChannel> channel;
    if (ch && ch->is_string()) channel = parse_ws_channel(ch->get_string());
    if (!channel) {
      client_->reply(error_message(
          "unknown channel; use one of devices, gateways, sensor_data, ota, logs"));
      return count_error();
    }
    if (t == "unsubscribe") {
      client_->unsubscribe(*channel);
      client_->reply(message("unsubscribed", {{"channel", to_string(*channel)}}));
      return;
    }
    if (*channel == WsChannel::logs && !admin) {
      client_->reply(error_message("the logs channel is for administrators"));
      return count_error();
    }
    // Filters may be given at the top level or in "filter".
    const json::object* filter_obj = &o;
    if (auto* f = o.if_contains("filter"); f && f->is_object()) filter_obj = &f->get_object();
    WsFilter filter;
    json::object echoed;
    for (auto [field, target] : {std::pair{"device_id", &filter.device_id},
                                 std::pair{"gateway_id", &filter.gateway_id},
                                 std::pair{"reading_type", &filter.type}}) {
      const json::value* fv = filter_obj->if_contains(field);
      if (!fv) continue;
      if (!fv->is_string() || fv->get_string().size() > 128) {
        client_->reply(error_message(std::string(field) +
                                     " must be a string of at most 128 characters"));
        return count_error();
      }
      *target = fv->get_string();
      echoed[field] = fv->get_string();
    }
    client_->subscribe(*channel, std::move(filter));
    json::object reply{{"channel", to_string(*channel)}};
    if (!echoed.empty()) reply["filter"] = std::move(echoed);
    client_->reply(message("subscribed", std::move(reply)));
  }

  std::string s_now() const;

  asio::awaitable<void> write_loop() {
    auto self = this->shared_from_this();
    int direct_sends = 0;
    for (;;) {
      if (ws_.next_layer().buffered() > 0) {
        // A batch the socket did not take at once (here or in on_wake) goes out first, also
        // ahead of a close frame.
        auto [fec] = co_await ws_.next_layer().async_uncork(use_nothrow);
        if (fec) co_return;
        continue;
      }
      if (client_->overflowed()) {
        spdlog::warn("[ws] client {} cannot keep up ({} bytes queued); disconnecting",
                     client_->id(), client_->queued_bytes());
        co_await close_now(websocket::close_code::try_again_later, "client too slow");
        co_return;
      }
      auto batch = client_->next_batch(kBatchBytes);
      if (batch.empty()) {
        // What was queued before a close was asked for has gone out; now the close frame.
        if (close_code_) {
          co_await close_now(*close_code_, close_reason_);
          co_return;
        }
        // The hub wakes an idle writer only; an overflow leaves it marked busy.
        if (client_->overflowed()) continue;
        if (closed_) co_return;
        writer_waiting_ = true;
        wake_timer_.expires_at(asio::steady_timer::time_point::max());
        co_await wake_timer_.async_wait(use_nothrow);
        writer_waiting_ = false;
        if (closed_) co_return;
        continue;
      }
      // Beast has started (or received) a close: no data after it.
      if (!ws_.is_open()) co_return;
      if (send_now(batch) && ++direct_sends == kBatchesInARow) {
        // The socket keeps taking what the hub keeps queueing: let the strand's other work
        // (the read loop, Beast's pings) run in between.
        direct_sends = 0;
        co_await asio::post(ws_.get_executor(), asio::use_awaitable);
      }
    }
  }

  // Each message is its own text frame; the corked layer below collects them and writes the
  // batch to the socket directly, usually with one system call. True when the socket took
  // it all; otherwise (a full socket, TLS, a write of Beast's still going out) the rest stays
  // buffered in that layer until async_uncork.
  bool send_now(const std::vector<std::shared_ptr<const std::string>>& batch) {
    ws_.next_layer().cork();
    for (const auto& text : batch) ws_.next_layer().append_text_frame(*text);
    return ws_.next_layer().try_uncork_now();
  }

  // The hub queued messages for this client while its writer was idle. They are sent right
  // here when the socket takes them; whatever needs the write loop (a batch not sent whole,
  // a close, an overflowing queue, more than a few batches in a row) resumes it. At 5,000
  // events/s to 100 clients this runs 50,000 times a second, and resuming the loop through
  // its cancelled timer cost two more rounds through the event loop each time.
  void on_wake() {
    if (writer_waiting_ && !closed_ && !close_code_ && ws_.is_open()) {
      for (int n = 0; n < kBatchesInARow && !client_->overflowed(); ++n) {
        auto batch = client_->next_batch(kBatchBytes);
        if (batch.empty()) {
          if (client_->overflowed()) break;  // marked busy, never woken again: the loop closes
          return;                            // all sent; the writer sleeps on
        }
        if (!send_now(batch)) break;
      }
    }
    wake_timer_.cancel();
  }

  asio::awaitable<void> close_now(websocket::close_code code, std::string reason) {
    closing_ = true;
    expiry_timer_.cancel();
    // The close frame must not wait behind a batch in the corked layer: nobody would send it.
    if (ws_.next_layer().buffered() > 0) co_await ws_.next_layer().async_uncork(use_nothrow);
    co_await ws_.async_close(websocket::close_reason(code, reason), use_nothrow);
  }

  // Asks the writer to send what is queued, then the close frame; the read loop ends when
  // the close handshake completes.
  void close_soon(websocket::close_code code, std::string reason) {
    if (closing_ || close_code_) return;
    close_code_ = code;
    close_reason_ = std::move(reason);
    wake_timer_.cancel();
  }

  websocket::stream<CorkedStream<Stream>> ws_;
  std::shared_ptr<WsServer::State> server_;
  std::string peer_;
  asio::steady_timer wake_timer_;
  asio::steady_timer expiry_timer_;
  RateGate gate_;
  std::shared_ptr<WsClient> client_;
  int errors_ = 0;
  bool closing_ = false;  // the close frame is being sent
  bool closed_ = false;   // the session is over; the writer must stop
  bool writer_waiting_ = false;  // the write loop sleeps on wake_timer_
  std::optional<websocket::close_code> close_code_;  // a close was asked for
  std::string close_reason_;
};

template <class Stream>
std::string Session<Stream>::s_now() const {
  return format_iso8601(server_->services.clock.now_ms());
}

}  // namespace

namespace {

// One round of the account checks: each account with a session is read once.
void check_accounts(WsServer::State& s) {
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(s.mutex);
    for (auto& [ptr, weak] : s.sessions)
      if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  std::unordered_map<std::int64_t, std::optional<User>> users;
  for (auto& session : live) {
    const SessionAccount& account = session->account;
    auto it = users.find(account.user_id);
    if (it == users.end())
      it = users.emplace(account.user_id, s.services.storage.users().find_by_id(account.user_id))
               .first;
    if (std::string why = revocation(account, it->second); !why.empty()) {
      if (!session->revoked)
        spdlog::info("[ws] closing a session of user {}: {}", account.user_id, why);
      session->revoke(std::move(why));
    } else {
      session->set_admin(it->second->role == "admin");
    }
  }
}

}  // namespace

WsServer::WsServer(PlatformServices& services, std::string jwt_secret, WsLimits limits)
    : state_(std::make_shared<State>(services, std::move(jwt_secret), limits)),
      account_checks_(account_thread_.get_executor(), kAccountCheck, "ws",
                      [state = state_] { check_accounts(*state); }) {}

WsServer::~WsServer() {
  account_checks_.stop();
  account_thread_.join();
}

void WsServer::install(HttpServer& http) {
  UpgradeHandler handler;
  handler.plain = [state = state_](beast::tcp_stream&& stream, HttpRequest&& req,
                                   const ClientInfo& client) {
    std::make_shared<Session<beast::tcp_stream>>(std::move(stream), state, client)
        ->start(std::move(req));
  };
  handler.tls = [state = state_](beast::ssl_stream<beast::tcp_stream>&& stream, HttpRequest&& req,
                                 const ClientInfo& client) {
    std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(stream), state,
                                                                     client)
        ->start(std::move(req));
  };
  http.set_upgrade_handler("/ws", std::move(handler));
  account_checks_.start();
}

void WsServer::stop() {
  account_checks_.stop();
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
    for (auto& [ptr, weak] : state_->sessions)
      if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->shutdown();
  live.clear();
  // The platform stops its network threads soon after this returns: wait, for a bounded time,
  // until the sessions have sent their close frames and seen the answers, so that clients get
  // 1001 rather than a dropped connection (1006) and can tell a restart from a failure.
  std::unique_lock lock(state_->mutex);
  state_->session_ended.wait_for(lock, kCloseWait, [this] { return state_->sessions.empty(); });
}

std::size_t WsServer::connections() const { return state_->hub.connections(); }

}  // namespace blazeiot
