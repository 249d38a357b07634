// The corked layer under the WebSocket stream: frames appended while corked leave together,
// correctly framed, and writes made while corked are kept in order.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include "ws/corked_stream.hpp"

using namespace blazeiot;
namespace test = boost::beast::test;

namespace {

struct Pair {
  boost::asio::io_context io;
  CorkedStream<test::stream> out{io};
  test::stream peer{io};
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
