#pragma once
// Streamed bodies in both directions, for HttpServer's sessions (plain and TLS streams alike):
// a request body fed to a BodySink chunk by chunk, and a FileReply sent from disk chunk by
// chunk. Either way at most one chunk of the body is in memory per connection.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <memory>

#include "http/api_app.hpp"
#include "http/body_sink.hpp"
#include "http/file_reply.hpp"

namespace blazeiot::body_io {

constexpr std::size_t kChunk = 64 * 1024;
// A streamed transfer may take long on a slow link, but each chunk must make progress.
constexpr auto kChunkTimeout = std::chrono::seconds(30);
constexpr auto kTransferLimit = std::chrono::minutes(30);

struct BodyOutcome {
  bool refused_by_sink = false;
  boost::system::error_code error;  // from reading (timeout included); none when complete
};

// Reads the rest of the request whose header `header_parser` has read, into `sink`.
template <class Stream>
boost::asio::awaitable<BodyOutcome> read_into_sink(
    Stream& stream, boost::beast::flat_buffer& buffer,
    boost::beast::http::request_parser<boost::beast::http::string_body>& header_parser,
    BodySink& sink, std::size_t limit) {
  namespace http = boost::beast::http;
  constexpr auto use_nothrow = boost::asio::as_tuple(boost::asio::use_awaitable);
  http::request_parser<http::buffer_body> parser(std::move(header_parser));
  parser.body_limit(limit);
  auto chunk = std::make_unique<std::array<char, kChunk>>();
  const auto deadline = std::chrono::steady_clock::now() + kTransferLimit;
  auto& lowest = boost::beast::get_lowest_layer(stream);
  while (!parser.is_done()) {
    if (std::chrono::steady_clock::now() > deadline)
      co_return BodyOutcome{false, boost::beast::error::timeout};
    parser.get().body().data = chunk->data();
    parser.get().body().size = chunk->size();
    lowest.expires_after(kChunkTimeout);
    auto [ec, n] = co_await http::async_read_some(stream, buffer, parser, use_nothrow);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return BodyOutcome{false, ec};
    const std::size_t got = chunk->size() - parser.get().body().size;
    if (got > 0 && !sink.write(std::string_view(chunk->data(), got)))
      co_return BodyOutcome{true, {}};
  }
  co_return BodyOutcome{};
}

// Sends `file` as the answer to `request`, with the status and headers the plan decides
// (200, 206, 304, 416). `head` carries the headers the app chose. False when the connection
// failed.
template <class Stream>
boost::asio::awaitable<bool> write_file(Stream& stream, const HttpRequestHeader& request,
                                        HttpResponse& head, const FileReply& file,
                                        std::chrono::seconds write_timeout) {
  namespace http = boost::beast::http;
  constexpr auto use_nothrow = boost::asio::as_tuple(boost::asio::use_awaitable);
  auto& lowest = boost::beast::get_lowest_layer(stream);

  struct Fd {
    int fd;
    ~Fd() {
      if (fd >= 0) ::close(fd);
    }
  } in{::open(file.path.c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat info {};
  if (in.fd < 0 || ::fstat(in.fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    // Deleted between the handler's check and now.
    head.result(http::status::not_found);
    head.set(http::field::content_type, "application/json; charset=utf-8");
    head.set(http::field::cache_control, "no-store");
    head.body() = R"({"success":false,"message":"Not found"})";
    head.prepare_payload();
    lowest.expires_after(write_timeout);
    auto [ec, n] = co_await http::async_write(stream, head, use_nothrow);
    co_return !ec;
  }
  const auto size = static_cast<std::uint64_t>(info.st_size);
  const std::int64_t mtime_ns =
      static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
  const std::string etag = file.etag.empty() ? file_etag(size, mtime_ns) : file.etag;
  FilePlan plan = plan_file_response(request, etag, size);
  head.result(static_cast<http::status>(plan.status));
  for (const auto& [k, v] : plan.headers) head.set(k, v);

  if (plan.status == 304 || plan.status == 416) {
    if (plan.status == 416) {
      head.set(http::field::content_type, "application/json; charset=utf-8");
      head.body() = R"({"success":false,"message":"Requested range not satisfiable"})";
    } else {
      head.erase(http::field::content_type);
    }
    head.prepare_payload();
    lowest.expires_after(write_timeout);
    auto [ec, n] = co_await http::async_write(stream, head, use_nothrow);
    co_return !ec;
  }

  head.content_length(plan.length);
  http::response_serializer<http::string_body> serializer(head);
  lowest.expires_after(write_timeout);
  auto [hec, hn] = co_await http::async_write_header(stream, serializer, use_nothrow);
  if (hec) co_return false;
  if (request.method() == http::verb::head) co_return true;

  auto chunk = std::make_unique<std::array<char, kChunk>>();
  std::uint64_t offset = plan.offset;
  std::uint64_t left = plan.length;
  while (left > 0) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, kChunk));
    const ssize_t got = ::pread(in.fd, chunk->data(), want, static_cast<off_t>(offset));
    // The file shrank under us: the promised length cannot be kept, so the connection ends.
    if (got <= 0) co_return false;
    lowest.expires_after(write_timeout);
    auto [ec, n] = co_await boost::asio::async_write(
        stream, boost::asio::buffer(chunk->data(), static_cast<std::size_t>(got)), use_nothrow);
    if (ec) co_return false;
    offset += static_cast<std::uint64_t>(got);
    left -= static_cast<std::uint64_t>(got);
  }
  co_return true;
}

}  // namespace blazeiot::body_io
