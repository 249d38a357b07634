#include "ws_client_pool.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <system_error>

#include "ws_frames.hpp"

namespace blazeiot::bench {
namespace {

constexpr std::size_t kReadChunk = 256 * 1024;

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

WsClientPool::WsClientPool(std::string host, int port, std::string target, std::size_t count,
                           std::size_t max_connecting, TextHandler on_text)
    : host_(std::move(host)),
      port_(port),
      target_(std::move(target)),
      max_connecting_(max_connecting == 0 ? 1 : max_connecting),
      on_text_(std::move(on_text)),
      epoll_fd_(epoll_create1(EPOLL_CLOEXEC)),
      clients_(count) {
  if (epoll_fd_ < 0) throw_errno("epoll_create1");
  scratch_.resize(kReadChunk);
  start_next();
}

WsClientPool::~WsClientPool() {
  for (Client& c : clients_)
    if (c.fd >= 0) ::close(c.fd);
  ::close(epoll_fd_);
}

void WsClientPool::prefault_input_buffers() {
  // One read appended to at most one partial frame left from the previous read.
  for (Client& c : clients_) {
    const std::string unparsed = c.in;
    c.in.assign(2 * kReadChunk, '\0');
    c.in = unparsed;  // the capacity stays
  }
}

void WsClientPool::start_next() {
  while (connecting_ < max_connecting_ && next_to_start_ < clients_.size()) {
    const std::size_t index = next_to_start_++;
    Client& c = clients_[index];
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      fail(index, std::string("socket: ") + std::strerror(errno));
      continue;
    }
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
        errno != EINPROGRESS) {
      fail(index, std::string("connect: ") + std::strerror(errno));
      continue;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = index;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.fd, &ev) != 0) throw_errno("epoll_ctl ADD");
    c.state = State::connecting;
    c.want_write = true;
    ++connecting_;
  }
}

void WsClientPool::poll(int timeout_ms) {
  epoll_event events[256];
  int n = epoll_wait(epoll_fd_, events, 256, timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return;
    throw_errno("epoll_wait");
  }
  for (int i = 0; i < n; ++i) on_ready(events[i].data.u64, events[i].events);
  start_next();
}

void WsClientPool::on_ready(std::size_t index, std::uint32_t events) {
  Client& c = clients_[index];
  if (c.state == State::connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return fail(index, std::string("connect: ") + std::strerror(err));
    if (!(events & EPOLLOUT)) return;
    c.state = State::upgrading;
    write(index, ws_upgrade_request(host_ + ":" + std::to_string(port_), target_));
  }
  if (c.state == State::closed) return;
  if (events & EPOLLOUT) flush(index);
  if (c.state != State::closed && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) on_readable(index);
}

void WsClientPool::on_readable(std::size_t index) {
  Client& c = clients_[index];
  ssize_t n = ::recv(c.fd, scratch_.data(), scratch_.size(), 0);
  const std::int64_t now = monotonic_ns();
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    return c.state == State::open ? finish(index, 1006)
                                  : fail(index, std::string("recv: ") + std::strerror(errno));
  }
  if (n == 0) {
    return c.state == State::open ? finish(index, 1006)
                                  : fail(index, "connection closed during the upgrade");
  }
  c.in.append(scratch_.data(), static_cast<std::size_t>(n));
  if (c.state == State::upgrading) {
    auto head = http_head_length(std::string_view(c.in).substr(c.in_pos));
    if (!head) return;
    std::string_view status(c.in.data(), std::min<std::size_t>(c.in.size(), 12));
    if (status != "HTTP/1.1 101")
      return fail(index, "upgrade refused: " + c.in.substr(0, c.in.find("\r\n")));
    c.in_pos = *head;
    c.state = State::open;
    ++upgraded_;
    --connecting_;
  }
  handle_frames(index, now);
}

void WsClientPool::handle_frames(std::size_t index, std::int64_t now_ns) {
  Client& c = clients_[index];
  WsFrame frame;
  for (;;) {
    std::optional<std::size_t> used;
    try {
      used = parse_ws_frame(std::string_view(c.in).substr(c.in_pos), frame);
    } catch (const std::exception& e) {
      return fail(index, e.what());
    }
    if (!used) break;
    c.in_pos += *used;
    switch (frame.opcode) {
      case WsOpcode::text:
        if (frame.fin) {
          on_text_(index, frame.payload, now_ns);
        } else {
          c.message.assign(frame.payload);
        }
        break;
      case WsOpcode::continuation:
        c.message.append(frame.payload);
        if (frame.fin) {
          on_text_(index, c.message, now_ns);
          c.message.clear();
        }
        break;
      case WsOpcode::ping:
        write(index, ws_client_frame(WsOpcode::pong, frame.payload));
        break;
      case WsOpcode::close:
        return finish(index, ws_close_code(frame.payload));
      default:
        break;
    }
    if (c.state == State::closed) return;
  }
  // Keep the unparsed tail only; it is at most one partial frame.
  if (c.in_pos > 0) {
    c.in.erase(0, c.in_pos);
    c.in_pos = 0;
  }
}

void WsClientPool::send_text(std::size_t index, std::string_view text) {
  if (clients_[index].state != State::open) return;
  write(index, ws_client_frame(WsOpcode::text, text));
}

void WsClientPool::write(std::size_t index, std::string_view bytes) {
  Client& c = clients_[index];
  c.out.append(bytes);
  flush(index);
}

void WsClientPool::flush(std::size_t index) {
  Client& c = clients_[index];
  while (!c.out.empty()) {
    ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      return c.state == State::open ? finish(index, 1006)
                                    : fail(index, std::string("send: ") + std::strerror(errno));
    }
    c.out.erase(0, static_cast<std::size_t>(n));
  }
  update_interest(index);
}

void WsClientPool::update_interest(std::size_t index) {
  Client& c = clients_[index];
  const bool want = !c.out.empty();
  if (want == c.want_write || c.fd < 0) return;
  epoll_event ev{};
  ev.events = want ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
  ev.data.u64 = index;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev) != 0) throw_errno("epoll_ctl MOD");
  c.want_write = want;
}

void WsClientPool::fail(std::size_t index, std::string why) {
  Client& c = clients_[index];
  if (c.state == State::connecting || c.state == State::upgrading) --connecting_;
  if (c.fd >= 0) ::close(c.fd);  // also leaves the epoll set
  c.fd = -1;
  c.state = State::closed;
  ++failed_;
  last_error_ = std::move(why);
}

void WsClientPool::finish(std::size_t index, std::uint16_t code) {
  Client& c = clients_[index];
  if (c.fd >= 0) ::close(c.fd);
  c.fd = -1;
  c.state = State::closed;
  ++closed_by_server_;
  ++close_codes_[code];
}

void WsClientPool::close_all() {
  const std::string frame = ws_client_frame(WsOpcode::close, std::string_view("\x03\xe8", 2));
  for (Client& c : clients_) {
    if (c.fd < 0) continue;
    if (c.state == State::open) (void)::send(c.fd, frame.data(), frame.size(), MSG_NOSIGNAL);
    ::close(c.fd);
    c.fd = -1;
    c.state = State::closed;
  }
}

}  // namespace blazeiot::bench
