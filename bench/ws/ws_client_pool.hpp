#pragma once
// Many WebSocket clients on one thread: non-blocking sockets under one epoll instance, each
// client a small state machine (TCP connect, HTTP upgrade, frames). A load generator has to
// be cheaper per message than the server it measures, so there is no per-message allocation
// beyond the receive buffer and no thread per client.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace blazeiot::bench {

// CLOCK_MONOTONIC in nanoseconds.
std::int64_t monotonic_ns();

class WsClientPool {
 public:
  // client index, one complete text message, when the read that completed it returned.
  using TextHandler = std::function<void(std::size_t, std::string_view, std::int64_t)>;

  // `target` is the request target, e.g. "/ws?token=...". At most `max_connecting` clients
  // are between connect() and the end of their upgrade at any time, so a thousand clients
  // do not overflow the server's accept backlog.
  WsClientPool(std::string host, int port, std::string target, std::size_t count,
               std::size_t max_connecting, TextHandler on_text);
  ~WsClientPool();
  WsClientPool(const WsClientPool&) = delete;
  WsClientPool& operator=(const WsClientPool&) = delete;

  // Waits up to timeout_ms for socket readiness and handles everything that is ready.
  void poll(int timeout_ms);
  void send_text(std::size_t client, std::string_view text);
  // Gives every client's input buffer room for a full read and writes to it once, so that the
  // memory is faulted in now. Otherwise the buffers grow when the rate rises, and faulting in
  // tens of MB of fresh pages (at up to tens of microseconds each on a VM) stalls the receive
  // loop: the stall is then measured as the platform's latency.
  void prefault_input_buffers();
  // Sends a close frame (1000) on every open client and closes the sockets.
  void close_all();

  std::size_t size() const { return clients_.size(); }
  std::size_t upgraded() const { return upgraded_; }   // got 101 Switching Protocols
  std::size_t failed() const { return failed_; }       // refused, reset, or upgrade failed
  std::size_t closed_by_server() const { return closed_by_server_; }
  const std::map<std::uint16_t, std::size_t>& close_codes() const { return close_codes_; }
  const std::string& last_error() const { return last_error_; }

 private:
  enum class State { idle, connecting, upgrading, open, closed };
  struct Client {
    int fd = -1;
    State state = State::idle;
    std::string in;
    std::size_t in_pos = 0;  // parsed up to here
    std::string out;         // bytes the socket did not take yet
    std::string message;     // a fragmented text message being reassembled
    bool want_write = false;
  };

  void start_next();
  void on_ready(std::size_t index, std::uint32_t events);
  void on_readable(std::size_t index);
  void handle_frames(std::size_t index, std::int64_t now_ns);
  void write(std::size_t index, std::string_view bytes);
  void flush(std::size_t index);
  void update_interest(std::size_t index);
  void fail(std::size_t index, std::string why);
  void finish(std::size_t index, std::uint16_t code);

  std::string host_;
  int port_;
  std::string target_;
  std::size_t max_connecting_;
  TextHandler on_text_;
  int epoll_fd_;
  std::vector<Client> clients_;
  std::size_t next_to_start_ = 0;
  std::size_t connecting_ = 0;
  std::size_t upgraded_ = 0;
  std::size_t failed_ = 0;
  std::size_t closed_by_server_ = 0;
  std::map<std::uint16_t, std::size_t> close_codes_;
  std::string last_error_;
  std::string scratch_;
};

}  // namespace blazeiot::bench
