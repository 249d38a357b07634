// The corked layer under the WebSocket stream: frames appended while corked leave together,
// correctly framed, and writes made while corked are kept in order; over TCP a batch the
// socket takes goes out at once, and one it does not take goes out whole and in order later.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>

#include "ws/corked_stream.hpp"

using namespace blazeiot;
namespace beast_test = boost::beast::test;

namespace {

struct Pair {
  boost::asio::io_context io;
  CorkedStream<beast_test::stream> out{io};
  beast_test::stream peer{io};
  Pair() { out.next_layer().connect(peer); }

  std::string flush() {
    boost::system::error_code result = boost::asio::error::would_block;
    out.async_uncork([&](boost::system::error_code ec) { result = ec; });
    io.run();
    io.restart();
    EXPECT_FALSE(result);
    return std::string(peer.str());
  }
};

}  // namespace

TEST(WsCorkedStream, FramesTextOfEverySizeClass) {
  Pair p;
  p.out.cork();
  p.out.append_text_frame("hello");
  p.out.append_text_frame(std::string(200, 'a'));
  p.out.append_text_frame(std::string(70'000, 'b'));
  std::string wire = p.flush();

  ASSERT_EQ(wire.size(), (2 + 5) + (4 + 200) + (10 + 70'000));
  EXPECT_EQ(static_cast<unsigned char>(wire[0]), 0x81);
  EXPECT_EQ(wire[1], 5);
  EXPECT_EQ(wire.substr(2, 5), "hello");
  std::size_t at = 7;
  EXPECT_EQ(static_cast<unsigned char>(wire[at]), 0x81);
  EXPECT_EQ(wire[at + 1], 126);
  EXPECT_EQ(static_cast<unsigned char>(wire[at + 2]) * 256 + static_cast<unsigned char>(wire[at + 3]),
            200);
  at += 4 + 200;
  EXPECT_EQ(static_cast<unsigned char>(wire[at]), 0x81);
  EXPECT_EQ(wire[at + 1], 127);
  std::uint64_t len = 0;
  for (int i = 0; i < 8; ++i) len = len * 256 + static_cast<unsigned char>(wire[at + 2 + i]);
  EXPECT_EQ(len, 70'000u);
  EXPECT_EQ(p.out.buffered(), 0u);
}

TEST(WsCorkedStream, WritesWhileCorkedKeepTheirOrderAndCompleteAtOnce) {
  Pair p;
  p.out.cork();
  p.out.append_text_frame("a");
  std::size_t written = 0;
  std::string control = "\x8a\x00";  // an (empty) pong, as Beast would send it
  p.out.async_write_some(boost::asio::buffer(control.data(), 2),
                         [&](boost::system::error_code ec, std::size_t n) {
                           EXPECT_FALSE(ec);
                           written = n;
                         });
  p.out.append_text_frame("b");
  std::string wire = p.flush();
  EXPECT_EQ(written, 2u);
  EXPECT_EQ(wire, std::string("\x81\x01" "a" "\x8a\x00" "\x81\x01" "b", 8));

  // Uncorked, a write passes straight through.
  p.out.async_write_some(boost::asio::buffer(control.data(), 2),
                         [&](boost::system::error_code, std::size_t n) { written = n; });
  p.io.run();
  EXPECT_EQ(written, 2u);
  EXPECT_EQ(p.peer.str().size(), 10u);
}

TEST(WsCorkedStream, AStreamWithoutASocketNeverSendsAtOnce) {
  Pair p;
  p.out.cork();
  p.out.append_text_frame("a");
  EXPECT_FALSE(p.out.try_uncork_now());
  EXPECT_EQ(p.out.buffered(), 3u);
  EXPECT_EQ(p.flush(), std::string("\x81\x01" "a", 3));
}

namespace {

// A corked TCP stream and the accepted socket at the other end, over loopback.
struct TcpPair {
  boost::asio::io_context io;
  CorkedStream<boost::beast::tcp_stream> out{io};
  boost::asio::ip::tcp::socket peer{io};
  TcpPair() {
    using boost::asio::ip::tcp;
    tcp::acceptor acceptor(io, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
    out.next_layer().socket().connect(acceptor.local_endpoint());
    acceptor.accept(peer);
    // Small buffers at both ends, whatever the host's defaults: a few hundred KB fill them.
    out.next_layer().socket().set_option(boost::asio::socket_base::send_buffer_size(16384));
    peer.set_option(boost::asio::socket_base::receive_buffer_size(16384));
    // Bytes that never come fail the test instead of hanging it.
    timeval limit{10, 0};
    ::setsockopt(peer.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  }
  std::string receive(std::size_t n) {
    std::string got(n, '\0');
    boost::system::error_code ec;
    got.resize(boost::asio::read(peer, boost::asio::buffer(got), ec));
    return got;
  }
  // An (empty) pong written through the layer, as Beast writes its control frames.
  const std::string pong{"\x8a\x00", 2};
  std::size_t pong_written = 0;
  void write_pong() {
    out.async_write_some(boost::asio::buffer(pong), [this](boost::system::error_code ec,
                                                           std::size_t n) {
      EXPECT_FALSE(ec);
      pong_written = n;
    });
  }
  // Writes to the socket directly until it takes no more; returns what it took.
  std::string fill_socket() {
    const std::string chunk(4096, 'f');
    std::string sent;
    for (;;) {
      const ssize_t n = ::send(out.next_layer().socket().native_handle(), chunk.data(),
                               chunk.size(), MSG_DONTWAIT);
      if (n <= 0) return sent;
      sent.append(chunk, 0, static_cast<std::size_t>(n));
    }
  }
};

// The frame the corked layer writes for `payload`, as the tests above check it.
std::string frame_of(const std::string& payload) {
  Pair p;
  p.out.cork();
  p.out.append_text_frame(payload);
  return p.flush();
}

}  // namespace

TEST(WsCorkedStream, ABatchTheSocketTakesGoesOutAtOnceAndWritesPassThroughAfter) {
  TcpPair p;
  p.out.cork();
  p.out.append_text_frame("one");
  p.out.append_text_frame("two");
  ASSERT_TRUE(p.out.try_uncork_now());
  EXPECT_EQ(p.out.buffered(), 0u);
  EXPECT_EQ(p.receive(10), frame_of("one") + frame_of("two"));

  // No longer corked: a write goes straight to the socket.
  p.write_pong();
  p.io.run();
  EXPECT_EQ(p.pong_written, 2u);
  EXPECT_EQ(p.receive(2), p.pong);
}

TEST(WsCorkedStream, ABatchTheSocketCannotTakeIsKeptAndSentWholeInOrder) {
  TcpPair p;
  // More than the two ends' buffers hold while the peer does not read: the socket fills.
  std::string payload;
  for (int i = 0; payload.size() < 1'000'000; ++i) payload += std::to_string(i) + ",";
  const std::string expected = frame_of(payload) + frame_of("after");

  p.out.cork();
  p.out.append_text_frame(payload);
  ASSERT_FALSE(p.out.try_uncork_now());
  const std::size_t left = p.out.buffered();
  EXPECT_GT(left, 0u);
  EXPECT_LT(left, frame_of(payload).size());  // what the socket took has left the buffer

  // Appended after a partial send, and sent by the asynchronous flush behind the rest.
  p.out.append_text_frame("after");
  boost::system::error_code result = boost::asio::error::would_block;
  p.out.async_uncork([&](boost::system::error_code ec) { result = ec; });
  std::string got;
  std::thread reader([&] { got = p.receive(expected.size()); });
  p.io.run();
  reader.join();
  EXPECT_FALSE(result);
  EXPECT_EQ(p.out.buffered(), 0u);
  EXPECT_TRUE(got == expected) << "received " << got.size() << " bytes, expected "
                               << expected.size();
}

TEST(WsCorkedStream, ABatchWaitsForAWriteOfBeastsStillGoingOut) {
  TcpPair p;
  const std::string filler = p.fill_socket();
  // Beast's write finds the socket full: it waits in the event loop, which is not run yet.
  p.write_pong();
  // The peer reads: the socket has room again, but the pong has not been written.
  ASSERT_EQ(p.receive(filler.size()), filler);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  p.out.cork();
  p.out.append_text_frame("data");
  EXPECT_FALSE(p.out.try_uncork_now());  // it would overtake the pong
  EXPECT_EQ(p.out.buffered(), 6u);

  boost::system::error_code result = boost::asio::error::would_block;
  p.out.async_uncork([&](boost::system::error_code ec) { result = ec; });
  p.io.run();
  EXPECT_FALSE(result);
  EXPECT_EQ(p.pong_written, 2u);
  EXPECT_EQ(p.receive(2 + 6), p.pong + frame_of("data"));
}

TEST(WsCorkedStream, TeardownWaitsUntilTheBufferHasGoneOut) {
  TcpPair p;
  std::string payload;
  for (int i = 0; payload.size() < 1'000'000; ++i) payload += std::to_string(i) + ",";
  p.out.cork();
  p.out.append_text_frame(payload);
  ASSERT_FALSE(p.out.try_uncork_now());
  // As Beast answers a close from the peer: its close frame goes into the buffer, then it
  // tears the connection down while the session's write loop is still to flush.
  const std::string close_frame("\x88\x02\x03\xe8", 4);
  p.out.async_write_some(boost::asio::buffer(close_frame),
                         [](boost::system::error_code, std::size_t) {});
  boost::system::error_code torn_down = boost::asio::error::would_block;
  async_teardown(boost::beast::role_type::server, p.out,
                 [&](boost::system::error_code ec) { torn_down = ec; });
  boost::system::error_code flushed = boost::asio::error::would_block;
  p.out.async_uncork([&](boost::system::error_code ec) { flushed = ec; });

  const std::string expected = frame_of(payload) + close_frame;
  std::string got;
  bool eof_after = false;
  std::thread reader([&] {
    got = p.receive(expected.size());
    char byte;
    boost::system::error_code ec;
    eof_after = p.peer.read_some(boost::asio::buffer(&byte, 1), ec) == 0 &&
                ec == boost::asio::error::eof;
    p.peer.shutdown(boost::asio::socket_base::shutdown_send);  // Beast's teardown waits for it
  });
  p.io.run();
  reader.join();
  EXPECT_FALSE(flushed);
  EXPECT_TRUE(got == expected) << "received " << got.size() << " of " << expected.size()
                               << " bytes before the connection was shut";
  EXPECT_TRUE(eof_after);
  EXPECT_NE(torn_down, boost::asio::error::would_block);
}
