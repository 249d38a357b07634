#pragma once
// A stream layer under beast::websocket::stream that lets a session send many frames with one
// system call. While corked, writes are appended to a buffer and complete at once;
// try_uncork_now() or async_uncork() writes the buffer in one go. At 5,000 events/s to 100
// clients the platform sends 500,000 frames a second, and one sendmsg per frame was a third
// of its CPU.
//
// Every write, Beast's own control frames (pong, close, keep-alive ping) included, goes
// through this layer in the order Beast issues it, so frames never interleave: the layer
// stays corked while a flush is on the wire so that a write arriving meanwhile queues behind
// it, and a flush waits for a write that passed through before it (try_uncork_now, which
// writes to the socket's descriptor itself, outside Asio, declines in both cases). Reads pass
// straight through.
//
// Data frames can be appended directly (append_text_frame) instead of through Beast's
// per-message write operation: a server's frames are unmasked and we negotiate no
// extensions, so a text frame is a 2-10 byte header and the payload.
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <sys/socket.h>
#include <cassert>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace blazeiot {

template <class NextLayer>
class CorkedStream {
 public:
  using next_layer_type = NextLayer;
  using executor_type = typename NextLayer::executor_type;

  template <class... Args>
  explicit CorkedStream(Args&&... args) : next_(std::forward<Args>(args)...) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  NextLayer& next_layer() noexcept { return next_; }
  const NextLayer& next_layer() const noexcept { return next_; }

  // From now on writes are buffered (until the next uncork completes).
  void cork() { corked_ = true; }
  std::size_t buffered() const { return pending_.size(); }

  // Appends one complete, unfragmented text frame (RFC 6455 5.2) while corked.
  void append_text_frame(std::string_view payload) {
    char header[10];
    std::size_t n = 0;
    header[n++] = static_cast<char>(0x81);  // FIN, opcode 1 (text)
    const std::uint64_t size = payload.size();
    if (size < 126) {
      header[n++] = static_cast<char>(size);
    } else if (size <= 0xffff) {
      header[n++] = 126;
      header[n++] = static_cast<char>(size >> 8);
      header[n++] = static_cast<char>(size & 0xff);
    } else {
      header[n++] = 127;
      for (int shift = 56; shift >= 0; shift -= 8)
        header[n++] = static_cast<char>((size >> shift) & 0xff);
    }
    pending_.append(header, n);
    pending_.append(payload);
  }

  // Writes what is buffered at once if the socket takes all of it, without a round through
  // the event loop; then passes writes through again and returns true. Otherwise (a TLS
  // stream, an earlier write still going out, a full socket buffer, an error) sends what it
  // can and returns false: async_uncork sends the rest and reports any error. Of the CPU a
  // session spent per batch, the asynchronous write's completion and the hand-offs around
  // it were about as much as the system call itself; a client that keeps up almost always
  // takes the whole batch.
  bool try_uncork_now() {
    if constexpr (requires { next_.socket().native_handle(); }) {
      if (passing_through_ > 0 || !sending_.empty()) return false;
      while (!pending_.empty()) {
        const ssize_t n = ::send(next_.socket().native_handle(), pending_.data(), pending_.size(),
                                 MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0) return false;
        pending_.erase(0, static_cast<std::size_t>(n));
      }
      uncork_done();
      return true;
    } else {
      return false;
    }
  }

  // Writes everything buffered, then passes writes through again. Handler: void(error_code).
  template <class Token>
  auto async_uncork(Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
        [this](auto handler) { this->flush(std::move(handler)); }, token);
  }

  template <class MutableBufferSequence, class ReadHandler>
  auto async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
    return next_.async_read_some(buffers, std::forward<ReadHandler>(handler));
  }

  template <class ConstBufferSequence, class WriteHandler>
  auto async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
    return boost::asio::async_initiate<WriteHandler, void(boost::system::error_code, std::size_t)>(
        [this, &buffers](auto h) {
          if (!corked_) {
            // Passes through; a flush asked for meanwhile must wait for it to finish.
            ++passing_through_;
            auto executor = boost::asio::get_associated_executor(h, get_executor());
            next_.async_write_some(
                buffers, boost::asio::bind_executor(
                             executor, [this, h = std::move(h)](boost::system::error_code ec,
                                                                std::size_t n) mutable {
                               --passing_through_;
                               if (!waiting_flush_) return std::move(h)(ec, n);
                               // Beast first: after a partial write it sends the rest of
                               // its frame from h, and the flush must not cut into it. The
                               // waiting flush keeps the session, and so this layer, alive.
                               std::move(h)(ec, n);
                               if (passing_through_ == 0 && waiting_flush_) {
                                 auto resume = std::move(waiting_flush_);
                                 waiting_flush_ = nullptr;
                                 resume();
                               }
                             }));
            return;
          }
          std::size_t n = 0;
          for (auto it = boost::asio::buffer_sequence_begin(buffers);
               it != boost::asio::buffer_sequence_end(buffers); ++it) {
            boost::asio::const_buffer b(*it);
            pending_.append(static_cast<const char*>(b.data()), b.size());
            n += b.size();
          }
          // Completing inline would recurse into Beast's write op; post keeps the stack flat.
          boost::asio::post(get_executor(), [h = std::move(h), n]() mutable {
            std::move(h)(boost::system::error_code{}, n);
          });
        },
        handler);
  }

  // Runs f once nothing is corked any more: at once, or when the flush under way (or the one
  // the session's write loop is about to start) has sent everything. One waiter at a time:
  // Beast tears a stream down once.
  template <class F>
  void when_uncorked(F f) {
    if (!corked_) return f();
    assert(!when_uncorked_);
    when_uncorked_ = [f = std::make_shared<F>(std::move(f))] { std::move(*f)(); };
  }

 private:
  template <class Handler>
  void flush(Handler handler) {
    if (passing_through_ > 0) {
      // Bytes of an earlier write are still going out: ours follow them, not interleave.
      waiting_flush_ = [this, h = std::make_shared<Handler>(std::move(handler))]() mutable {
        flush(std::move(*h));
      };
      return;
    }
    if (pending_.empty()) {
      boost::asio::post(get_executor(), [h = std::move(handler)]() mutable {
        std::move(h)(boost::system::error_code{});
      });
      uncork_done();
      return;
    }
    // Writes that arrive during this one go into pending_ again and get the next round.
    sending_.swap(pending_);
    pending_.clear();
    boost::asio::async_write(
        next_, boost::asio::buffer(sending_),
        [this, h = std::move(handler)](boost::system::error_code ec, std::size_t) mutable {
          sending_.clear();
          if (ec) {
            pending_.clear();
            uncork_done();
            std::move(h)(ec);
            return;
          }
          flush(std::move(h));
        });
  }

  void uncork_done() {
    corked_ = false;
    if (auto resume = std::exchange(when_uncorked_, nullptr)) resume();
  }

  NextLayer next_;
  bool corked_ = false;
  int passing_through_ = 0;
  std::function<void()> waiting_flush_;
  std::function<void()> when_uncorked_;  // a teardown waiting for the buffer to go out
  std::string pending_;
  std::string sending_;
};

// How beast::websocket::stream closes the connection under us: as the next layer does.
template <class NextLayer>
void teardown(boost::beast::role_type role, CorkedStream<NextLayer>& stream,
              boost::system::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, stream.next_layer(), ec);
}

// Beast tears down after the close handshake. When the peer began it, Beast's close reply
// may sit in our buffer behind a batch the socket had not taken yet: shutting the socket now
// would drop both, and the peer would see the connection lost (1006) instead of its close
// answered. So the teardown waits until the buffer is out. For a peer that stops reading,
// Beast's timer bounds the wait: it closes the socket of a stream stuck closing, and the
// failed flush then uncorks.
template <class NextLayer, class TeardownHandler>
void async_teardown(boost::beast::role_type role, CorkedStream<NextLayer>& stream,
                    TeardownHandler&& handler) {
  stream.when_uncorked([role, &stream, h = std::forward<TeardownHandler>(handler)]() mutable {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, stream.next_layer(), std::move(h));
  });
}

}  // namespace blazeiot
