#pragma once
// Streaming multipart/form-data parser (RFC 7578 on top of RFC 2046), for firmware uploads.
// The body is fed in whatever chunks the socket delivers (down to single bytes) and each
// part's content is handed to a Sink as it arrives, so a 50 MB file never sits in memory: the
// parser keeps back only the few bytes that might be the start of the next boundary delimiter
// and, bounded by Limits, one part's header block.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace blazeiot {

// The boundary parameter of a Content-Type value, or nullopt when the type is not
// multipart/form-data or the boundary is missing, duplicated or not 1..70 RFC 2046 characters.
std::optional<std::string> multipart_boundary(std::string_view content_type);

struct MultipartPartInfo {
  std::string name;          // the form field name (never empty: a part without one is malformed)
  std::string filename;      // exactly as the client sent it: may hold paths, "..", anything
  bool has_filename = false; // filename="" (a file input left empty) differs from no filename
  std::string content_type;  // the part's Content-Type, trimmed; empty when not given
};

// Outside the class only because GCC rejects a nested struct with member initializers as a
// default argument of the enclosing class; use it as MultipartParser::Limits.
struct MultipartLimits {
  std::size_t max_parts = 16;
  std::size_t max_part_header_bytes = 8192;  // one part's header block, CRLFs included
};

class MultipartParser {
 public:
  using Limits = MultipartLimits;

  // Receives the parts in order. Returning false from any call aborts parsing with error()
  // "rejected" (e.g. an unexpected field, or a file that grew past the allowed size).
  class Sink {
   public:
    virtual ~Sink();
    virtual bool on_part_begin(const MultipartPartInfo& info) = 0;
    virtual bool on_part_data(std::string_view bytes) = 0;  // any number of calls, maybe none
    virtual bool on_part_end() = 0;
  };

  // An invalid boundary (see multipart_boundary) makes the first feed() fail.
  MultipartParser(std::string boundary, Sink& sink, Limits limits = {});

  // False on malformed input, a broken limit or a rejecting sink; error() then says why in
  // words fit for an API client, and every later call returns false. Bytes after the closing
  // boundary (the epilogue) are ignored.
  bool feed(std::string_view chunk);
  // Call once the body has ended: true when the closing boundary was seen; otherwise false
  // with an error (the body was truncated).
  bool finish();
  bool done() const { return state_ == State::epilogue; }
  const std::string& error() const { return error_; }

 private:
  enum class State {
    preamble,      // before the first delimiter: discarded
    after_delim,   // just matched a delimiter: "--" closes, padding + CRLF opens a part
    close_dash,    // saw the first '-' of "--"
    padding,       // transport padding (spaces, tabs) before the CRLF
    delim_lf,      // saw the CR ending the delimiter line
    headers,       // collecting one part's header block
    data,          // streaming a part's content
    epilogue,      // after the closing delimiter: done, rest ignored
    failed,
  };

  bool fail(std::string message);
  bool malformed(std::string_view what);
  // Preamble/data state: consumes `chunk` up to and including the next delimiter (then the
  // state moves on) or all of it. False when the sink rejected the data.
  bool scan(std::string_view& chunk);
  bool delimiter_found();
  bool emit(std::string_view bytes);
  bool delimiter_byte(char c);
  bool header_byte(char c);
  bool begin_part();
  bool end_part();

  std::string delimiter_;  // CRLF "--" boundary
  Sink& sink_;
  Limits limits_;
  State state_ = State::preamble;
  // How many leading bytes of delimiter_ have been matched at the end of the input so far;
  // these bytes are held back until we know whether they are a delimiter or data. The parser
  // starts as if a CRLF preceded the body, so a body that opens with "--boundary" matches.
  std::size_t held_ = 2;
  std::size_t parts_ = 0;
  std::size_t padding_ = 0;
  std::string header_block_;
  std::string error_;
};

}  // namespace blazeiot
