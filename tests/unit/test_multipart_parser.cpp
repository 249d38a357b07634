#include "http/multipart_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace blazeiot {
namespace {

struct Part {
  MultipartPartInfo info;
  std::string data;
  bool ended = false;
};

class RecordingSink final : public MultipartParser::Sink {
 public:
  bool on_part_begin(const MultipartPartInfo& info) override {
    parts.push_back({info, {}, false});
    return info.name != reject_name;
  }
  bool on_part_data(std::string_view bytes) override {
    EXPECT_FALSE(bytes.empty());
    EXPECT_FALSE(parts.empty());
    EXPECT_FALSE(parts.back().ended);
    parts.back().data += bytes;
    ++data_calls;
    return parts.back().data.size() <= max_data;
  }
  bool on_part_end() override {
    EXPECT_FALSE(parts.back().ended);
    parts.back().ended = true;
    return true;
  }

  std::vector<Part> parts;
  std::size_t data_calls = 0;
  std::string reject_name = "\x01never";
  std::size_t max_data = std::string::npos;
};

struct Outcome {
  bool ok = false;
  std::string error;
  std::vector<Part> parts;
};

// Feeds `body` in pieces of `chunk` bytes (0: all at once), stopping at the first failure.
Outcome parse(std::string_view body, std::size_t chunk = 0, MultipartParser::Limits limits = {},
              const std::string& boundary = "XyZ") {
  RecordingSink sink;
  MultipartParser parser(boundary, sink, limits);
  bool ok = true;
  if (chunk == 0) chunk = body.size() + 1;
  for (std::size_t i = 0; ok && i < body.size(); i += chunk) ok = parser.feed(body.substr(i, chunk));
  if (ok) ok = parser.finish();
  EXPECT_EQ(ok, parser.done());
  return {ok, parser.error(), sink.parts};
}

void expect_same(const Outcome& a, const Outcome& b, const std::string& where) {
  EXPECT_EQ(a.ok, b.ok) << where;
  EXPECT_EQ(a.error, b.error) << where;
  ASSERT_EQ(a.parts.size(), b.parts.size()) << where;
  for (std::size_t i = 0; i < a.parts.size(); ++i) {
    EXPECT_EQ(a.parts[i].info.name, b.parts[i].info.name) << where;
    EXPECT_EQ(a.parts[i].info.filename, b.parts[i].info.filename) << where;
    EXPECT_EQ(a.parts[i].info.content_type, b.parts[i].info.content_type) << where;
    EXPECT_EQ(a.parts[i].data, b.parts[i].data) << where;
    EXPECT_EQ(a.parts[i].ended, b.parts[i].ended) << where;
  }
}

// A file whose content is full of near-delimiters: "--XyZ" not at a line start, CRLF "--XyZ"
// minus its last byte, CRs and LFs in every arrangement, and a CR right before the real one.
constexpr char kTrickyBytes[] =
    "--XyZ\r\n\r\n--XyY\r\n--Xy\r\r\n-\r\n--\n--XyZ\r--XyZ \r\n\r\n\x00\xff--XyZ--\r";
const std::string kTrickyFile(kTrickyBytes, sizeof kTrickyBytes - 1);  // keeps the NUL

std::string sample_body() {
  return "This is the preamble; it is ignored.\r\n"
         "--XyZ\r\n"
         "Content-Disposition: form-data; name=\"version\"\r\n"
         "\r\n"
         "1.2.3\r\n"
         "--XyZ\r\n"
         "Content-Disposition: form-data; name=\"file\"; filename=\"fw.bin\"\r\n"
         "Content-Type: application/octet-stream\r\n"
         "\r\n" +
         kTrickyFile +
         "\r\n"
         "--XyZ\r\n"
         "content-disposition: FORM-DATA; NAME=notes\r\n"
         "X-Other: ignored\r\n"
         "\r\n"
         "\r\n"
         "--XyZ--\r\n"
         "epilogue, also ignored --XyZ\r\n";
}

TEST(MultipartParser, ParsesFieldsAndFiles) {
  const Outcome out = parse(sample_body());
  ASSERT_TRUE(out.ok) << out.error;
  ASSERT_EQ(out.parts.size(), 3u);
  EXPECT_EQ(out.parts[0].info.name, "version");
  EXPECT_FALSE(out.parts[0].info.has_filename);
  EXPECT_EQ(out.parts[0].info.content_type, "");
  EXPECT_EQ(out.parts[0].data, "1.2.3");
  EXPECT_EQ(out.parts[1].info.name, "file");
  EXPECT_TRUE(out.parts[1].info.has_filename);
  EXPECT_EQ(out.parts[1].info.filename, "fw.bin");
  EXPECT_EQ(out.parts[1].info.content_type, "application/octet-stream");
  EXPECT_EQ(out.parts[1].data, kTrickyFile);
  EXPECT_EQ(out.parts[2].info.name, "notes");
  EXPECT_EQ(out.parts[2].data, "");
  for (const Part& p : out.parts) EXPECT_TRUE(p.ended);
}

TEST(MultipartParser, SplitAtEveryOffsetGivesTheSameParts) {
  const std::string body = sample_body();
  const Outcome whole = parse(body);
  ASSERT_TRUE(whole.ok);
  for (std::size_t split = 0; split <= body.size(); ++split) {
    RecordingSink sink;
    MultipartParser parser("XyZ", sink);
    ASSERT_TRUE(parser.feed(std::string_view(body).substr(0, split))) << split;
    ASSERT_TRUE(parser.feed(std::string_view(body).substr(split))) << split;
    ASSERT_TRUE(parser.finish()) << split;
    expect_same(whole, {true, parser.error(), sink.parts}, "split at " + std::to_string(split));
  }
}

TEST(MultipartParser, AnyChunkSizeGivesTheSameParts) {
  const std::string body = sample_body();
  const Outcome whole = parse(body);
  for (std::size_t chunk : {1u, 2u, 3u, 5u, 7u, 8u, 13u, 64u})
    expect_same(whole, parse(body, chunk), "chunk " + std::to_string(chunk));
}

TEST(MultipartParser, BodyMayStartWithTheBoundaryOrAPreamble) {
  const std::string parts =
      "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nA\r\n--XyZ--";
  for (const std::string& body : {parts, "\r\n" + parts, "preamble\r\n" + parts,
                                  "x--XyZ is not a boundary without CRLF first\r\n" + parts}) {
    const Outcome out = parse(body, 1);
    ASSERT_TRUE(out.ok) << body << ": " << out.error;
    ASSERT_EQ(out.parts.size(), 1u);
    EXPECT_EQ(out.parts[0].data, "A");
  }
}

TEST(MultipartParser, StreamsDataBeforeThePartEnds) {
  const std::string head =
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\n";
  RecordingSink sink;
  MultipartParser parser("XyZ", sink);
  ASSERT_TRUE(parser.feed(head));
  const std::string block(4096, 'a');
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(parser.feed(block));
  ASSERT_EQ(sink.parts.size(), 1u);
  EXPECT_EQ(sink.parts[0].data.size(), 100u * block.size());  // nothing held back
  ASSERT_TRUE(parser.feed("tail\r\n--X"));                    // may be a delimiter: held
  EXPECT_EQ(sink.parts[0].data.size(), 100u * block.size() + 4);
  ASSERT_TRUE(parser.feed("yW"));  // was not one after all
  EXPECT_EQ(sink.parts[0].data, std::string(100 * block.size(), 'a') + "tail\r\n--XyW");
  EXPECT_FALSE(sink.parts[0].ended);
  ASSERT_TRUE(parser.feed("\r\n--XyZ--"));
  EXPECT_TRUE(sink.parts[0].ended);
  EXPECT_TRUE(parser.finish());
}

TEST(MultipartParser, MissingClosingBoundaryIsAnError) {
  const std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nsome data";
  for (std::size_t chunk : {0u, 1u}) {
    const Outcome out = parse(body, chunk);
    EXPECT_FALSE(out.ok);
    EXPECT_EQ(out.error, "malformed multipart body: the body ended before the closing boundary");
    ASSERT_EQ(out.parts.size(), 1u);
    EXPECT_FALSE(out.parts[0].ended);
  }
  EXPECT_FALSE(parse(body + "\r\n--XyZ").ok);          // delimiter, but not the close one
  EXPECT_FALSE(parse(body + "\r\n--XyZ\r\n").ok);      // a next part that never comes
  EXPECT_FALSE(parse("--XyZ\r\nContent-Dispo").ok);    // inside the headers
  EXPECT_FALSE(parse("").ok);                          // nothing at all
  EXPECT_FALSE(parse("just text, no boundary").ok);
}

TEST(MultipartParser, EmptyFormIsDone) {
  const Outcome out = parse("--XyZ--\r\n");
  EXPECT_TRUE(out.ok) << out.error;
  EXPECT_TRUE(out.parts.empty());
}

TEST(MultipartParser, TooManyParts) {
  std::string body;
  for (int i = 0; i < 3; ++i)
    body += "--XyZ\r\nContent-Disposition: form-data; name=\"f" + std::to_string(i) +
            "\"\r\n\r\nx\r\n";
  body += "--XyZ--";
  MultipartParser::Limits limits;
  limits.max_parts = 3;
  EXPECT_TRUE(parse(body, 0, limits).ok);
  limits.max_parts = 2;
  const Outcome out = parse(body, 1, limits);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.error, "multipart body has more than 2 parts");
  EXPECT_EQ(out.parts.size(), 2u);
}

TEST(MultipartParser, PartHeadersTooLong) {
  const std::string header = "Content-Disposition: form-data; name=\"f\"\r\n";
  const std::string body = "--XyZ\r\n" + header + "X-Pad: " + std::string(200, 'p') +
                           "\r\n\r\nx\r\n--XyZ--";
  MultipartParser::Limits limits;
  limits.max_part_header_bytes = 100;
  const Outcome out = parse(body, 7, limits);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.error, "multipart part headers exceed 100 bytes");
  EXPECT_TRUE(out.parts.empty());
  // Exactly at the limit is fine: the block is the header line plus the empty line.
  limits.max_part_header_bytes = header.size() + 2;
  EXPECT_TRUE(parse("--XyZ\r\n" + header + "\r\nx\r\n--XyZ--", 1, limits).ok);
  limits.max_part_header_bytes = header.size() + 1;
  EXPECT_FALSE(parse("--XyZ\r\n" + header + "\r\nx\r\n--XyZ--", 1, limits).ok);
}

TEST(MultipartParser, PartWithoutNameIsMalformed) {
  auto error_for = [](const std::string& headers) {
    return parse("--XyZ\r\n" + headers + "\r\nx\r\n--XyZ--").error;
  };
  EXPECT_EQ(error_for("Content-Disposition: form-data; filename=\"a.bin\"\r\n"),
            "malformed multipart body: part without a field name");
  EXPECT_EQ(error_for("Content-Disposition: form-data; name=\"\"\r\n"),
            "malformed multipart body: part without a field name");
  EXPECT_EQ(error_for("Content-Type: text/plain\r\n"),
            "malformed multipart body: part without a Content-Disposition header");
  EXPECT_EQ(error_for(""), "malformed multipart body: part without a Content-Disposition header");
  EXPECT_EQ(error_for("Content-Disposition: attachment; name=\"a\"\r\n"),
            "malformed multipart body: part is not form-data");
  EXPECT_EQ(error_for("Content-Disposition: form-data; name=\"a\r\n"),
            "malformed multipart body: invalid Content-Disposition header");
  EXPECT_EQ(error_for("Content-Disposition: form-data; name=a; name=b\r\n"),
            "malformed multipart body: invalid Content-Disposition header");
  EXPECT_EQ(error_for("Content-Disposition: form-data; name=a\r\n"
                      "Content-Disposition: form-data; name=b\r\n"),
            "malformed multipart body: duplicate Content-Disposition header in a part");
  EXPECT_EQ(error_for("no colon here\r\n"), "malformed multipart body: invalid part header line");
}

TEST(MultipartParser, FilenamesAreReturnedRaw) {
  auto info_for = [](const std::string& disposition) {
    const Outcome out =
        parse("--XyZ\r\nContent-Disposition: " + disposition + "\r\n\r\nx\r\n--XyZ--", 1);
    EXPECT_TRUE(out.ok) << disposition << ": " << out.error;
    return out.parts.empty() ? MultipartPartInfo{} : out.parts[0].info;
  };
  EXPECT_EQ(info_for(R"(form-data; name="file"; filename="../../etc/passwd")").filename,
            "../../etc/passwd");
  EXPECT_EQ(info_for(R"(form-data; name="file"; filename="/abs/path/fw.bin")").filename,
            "/abs/path/fw.bin");
  // Backslashes survive unless they escape '"' or '\'.
  EXPECT_EQ(info_for(R"(form-data; name="file"; filename="C:\Users\me\fw.bin")").filename,
            R"(C:\Users\me\fw.bin)");
  EXPECT_EQ(info_for(R"(form-data; name="file"; filename="a\"b\\c.bin")").filename,
            R"(a"b\c.bin)");
  EXPECT_EQ(info_for(R"(form-data; name="file"; filename="semi;colon=x.bin")").filename,
            "semi;colon=x.bin");
  EXPECT_EQ(info_for("form-data; name=\"file\"; filename=\"f\xc3\xa9.bin\"").filename,
            "f\xc3\xa9.bin");
  // filename* (RFC 5987) is ignored; the plain filename is what counts.
  auto both = info_for(R"(form-data; name="file"; filename*=UTF-8''x.bin; filename="y.bin")");
  EXPECT_EQ(both.filename, "y.bin");
  // An empty file input sends filename="": a file part with no name, not a plain field.
  auto empty = info_for(R"(form-data; name="file"; filename="")");
  EXPECT_TRUE(empty.has_filename);
  EXPECT_EQ(empty.filename, "");
  auto odd = info_for("Form-Data ;  name = \"a b\" ;filename=plain.bin;");
  EXPECT_EQ(odd.name, "a b");
  EXPECT_EQ(odd.filename, "plain.bin");
}

TEST(MultipartParser, HeaderSyntax) {
  // Continuation lines (obs-fold) are joined; header names are case-insensitive.
  Outcome out = parse(
      "--XyZ\r\nCONTENT-TYPE:   text/plain;\r\n charset=utf-8  \r\n"
      "Content-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--XyZ--",
      1);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.parts[0].info.content_type, "text/plain; charset=utf-8");
  // Transport padding after a boundary is allowed (RFC 2046).
  out = parse("--XyZ \t\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--XyZ  \r\n"
              "Content-Disposition: form-data; name=b\r\n\r\ny\r\n--XyZ--",
              1);
  ASSERT_TRUE(out.ok) << out.error;
  ASSERT_EQ(out.parts.size(), 2u);
  EXPECT_EQ(out.parts[1].data, "y");

  const std::string ok_part = "Content-Disposition: form-data; name=a\r\n\r\nx";
  EXPECT_EQ(parse("--XyZ\nContent-Disposition: form-data; name=a\n\nx\n--XyZ--").error,
            "malformed multipart body: boundary not followed by CRLF");
  EXPECT_EQ(parse("--XyZ\r\nContent-Disposition: form-data; name=a\n\r\nx\r\n--XyZ--").error,
            "malformed multipart body: part header line not ended by CRLF");
  EXPECT_EQ(parse("--XyZ\r\nContent-Disposition: form-data; name=a\r\r\nx\r\n--XyZ--").error,
            "malformed multipart body: part header line not ended by CRLF");
  EXPECT_EQ(parse("--XyZ\r\n" + ok_part + "\r\n--XyZzy\r\n").error,
            "malformed multipart body: boundary not followed by CRLF");
  EXPECT_EQ(parse("--XyZ\r\n" + ok_part + "\r\n--XyZ-\r\n").error,
            "malformed multipart body: boundary followed by a single '-'");
  EXPECT_EQ(parse("--XyZ\r\nContent-Disposition: form-data; name=a" + std::string(1, '\0') +
                  "\r\n\r\nx")
                .error,
            "malformed multipart body: NUL byte in part headers");
}

TEST(MultipartParser, EpilogueAndLaterFeedsAreIgnored) {
  RecordingSink sink;
  MultipartParser parser("XyZ", sink);
  ASSERT_TRUE(parser.feed("--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--XyZ--"));
  EXPECT_TRUE(parser.done());
  EXPECT_TRUE(parser.feed("\r\n--XyZ\r\ngarbage that is not a part"));
  EXPECT_TRUE(parser.finish());
  EXPECT_EQ(sink.parts.size(), 1u);
}

TEST(MultipartParser, SinkCanReject) {
  const std::string body = sample_body();
  RecordingSink by_name;
  by_name.reject_name = "file";
  MultipartParser a("XyZ", by_name);
  EXPECT_FALSE(a.feed(body));
  EXPECT_EQ(a.error(), "rejected");
  EXPECT_FALSE(a.feed("more"));
  EXPECT_FALSE(a.finish());
  EXPECT_EQ(a.error(), "rejected");

  RecordingSink by_size;  // e.g. a file larger than allowed, noticed while streaming
  by_size.max_data = 3;
  MultipartParser b("XyZ", by_size);
  bool ok = true;
  for (char c : body)
    if (ok) ok = b.feed(std::string_view(&c, 1));
  EXPECT_FALSE(ok);
  EXPECT_EQ(b.error(), "rejected");
  EXPECT_EQ(by_size.parts.size(), 1u);
  EXPECT_EQ(by_size.parts[0].data, "1.2.");
}

TEST(MultipartParser, InvalidBoundaryFailsFirstFeed) {
  for (const std::string& boundary : {std::string(), std::string(71, 'a'), std::string("a\rb"),
                                      std::string("trailing ")}) {
    RecordingSink sink;
    MultipartParser parser(boundary, sink);
    EXPECT_FALSE(parser.feed("--" + boundary + "--"));
    EXPECT_EQ(parser.error(), "invalid multipart boundary");
  }
  const std::string longest(70, 'b');
  EXPECT_TRUE(
      parse("--" + longest + "\r\nContent-Disposition: form-data; name=a\r\n\r\n\r\n--" + longest +
                "--",
            1, {}, longest)
          .ok);
}

TEST(MultipartBoundary, FromContentType) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data;BOUNDARY=abc"), "abc");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"a b:c/d=e?\""), "a b:c/d=e?");
  EXPECT_EQ(multipart_boundary("multipart/form-data; charset=utf-8; boundary=----WebKitFormBoundary"
                               "7MA4YWxkTrZu0gW"),
            "----WebKitFormBoundary7MA4YWxkTrZu0gW");
  EXPECT_EQ(multipart_boundary("  multipart/form-data ; boundary=x ; other=\"y\"  "), "x");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=" + std::string(70, 'z')),
            std::string(70, 'z'));

  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'z')),
            std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/mixed; boundary=abc"), std::nullopt);
  EXPECT_EQ(multipart_boundary("application/json"), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data"), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary="), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"\""), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"abc"), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"ends with space \""),
            std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=a{b}"), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=a; boundary=b"), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary"), std::nullopt);
}

}  // namespace
}  // namespace blazeiot
