#include "http/multipart_parser.hpp"

#include <algorithm>
#include <functional>
#include <utility>

#include "http/header_text.hpp"

namespace blazeiot {

namespace {

constexpr std::size_t kMaxBoundary = 70;  // RFC 2046 section 5.1.1

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

// RFC 9110 token characters.
bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// RFC 2046 bchars. Notably no CR: the parser relies on '\r' appearing in the delimiter only
// as its first byte (see MultipartParser::scan).
bool is_bchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

bool valid_boundary(std::string_view b) {
  return !b.empty() && b.size() <= kMaxBoundary && b.back() != ' ' &&
         std::all_of(b.begin(), b.end(), is_bchar);
}

// Parses `; name=value` parameters (value a token or a quoted-string) and calls `on_param`
// with each; false when the text is not a parameter list. Inside a quoted-string a backslash
// only escapes '"' and '\\': browsers do not escape backslashes, so "C:\dir\a.bin" from an
// old client keeps its backslashes rather than turning into "C:dira.bin".
bool parse_params(std::string_view s,
                  const std::function<bool(std::string_view, std::string)>& on_param) {
  std::size_t i = 0;
  auto skip_ows = [&] {
    while (i < s.size() && is_ows(s[i])) ++i;
  };
  while (true) {
    skip_ows();
    if (i == s.size()) return true;
    if (s[i] != ';') return false;
    ++i;
    skip_ows();
    if (i == s.size()) return true;  // a trailing ';' is harmless
    const std::size_t name_start = i;
    while (i < s.size() && is_tchar(s[i])) ++i;
    std::string_view name = s.substr(name_start, i - name_start);
    if (name.empty()) return false;
    skip_ows();
    if (i == s.size() || s[i] != '=') return false;
    ++i;
    skip_ows();
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        char c = s[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < s.size() && (s[i] == '"' || s[i] == '\\')) c = s[i++];
        value += c;
      }
      if (!closed) return false;
    } else {
      // Lenient about which characters: unquoted boundaries often contain ':' '/' '=' etc.
      const std::size_t start = i;
      while (i < s.size() && s[i] != ';' && s[i] != '"' && !is_ows(s[i]) &&
             static_cast<unsigned char>(s[i]) > 0x20 && s[i] != 0x7f)
        ++i;
      if (i == start) return false;
      value.assign(s.substr(start, i - start));
    }
    if (!on_param(name, std::move(value))) return false;
  }
}

// Splits "type/subtype; params" into the media type (trimmed) and the parameter text.
std::pair<std::string_view, std::string_view> split_type(std::string_view value) {
  const std::size_t semi = value.find(';');
  if (semi == std::string_view::npos) return {trim_ows(value), {}};
  return {trim_ows(value.substr(0, semi)), value.substr(semi)};
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  auto [type, params] = split_type(content_type);
  if (!iequals(type, "multipart/form-data")) return std::nullopt;
  std::optional<std::string> boundary;
  bool duplicate = false;
  const bool ok = parse_params(params, [&](std::string_view name, std::string value) {
    if (iequals(name, "boundary")) {
      if (boundary) duplicate = true;  // ambiguous: which one would the sender have used?
      boundary = std::move(value);
    }
    return true;
  });
  if (!ok || duplicate || !boundary || !valid_boundary(*boundary)) return std::nullopt;
  return boundary;
}

MultipartParser::Sink::~Sink() = default;

MultipartParser::MultipartParser(std::string boundary, Sink& sink, Limits limits)
    : delimiter_("\r\n--" + boundary), sink_(sink), limits_(limits) {
  if (!valid_boundary(boundary)) fail("invalid multipart boundary");
}

bool MultipartParser::fail(std::string message) {
  if (state_ != State::failed) error_ = std::move(message);  // the first reason is the real one
  state_ = State::failed;
  return false;
}

bool MultipartParser::malformed(std::string_view what) {
  return fail("malformed multipart body: " + std::string(what));
}

bool MultipartParser::feed(std::string_view chunk) {
  while (!chunk.empty()) {
    switch (state_) {
      case State::failed:
        return false;
      case State::epilogue:
        return true;  // the epilogue carries nothing for us
      case State::preamble:
      case State::data:
        if (!scan(chunk)) return false;
        break;
      case State::headers:
      case State::after_delim:
      case State::close_dash:
      case State::padding:
      case State::delim_lf: {
        const char c = chunk.front();
        chunk.remove_prefix(1);
        if (!(state_ == State::headers ? header_byte(c) : delimiter_byte(c))) return false;
        break;
      }
    }
  }
  return state_ != State::failed;
}

bool MultipartParser::finish() {
  if (state_ == State::failed) return false;
  if (state_ == State::epilogue) return true;
  return malformed("the body ended before the closing boundary");
}

// The delimiter is CRLF "--" boundary, and a boundary cannot contain CR, so '\r' occurs in it
// only at offset 0. Hence a partial match that fails cannot hide another match inside it
// (no KMP needed), and the only input tail worth holding back is the one that starts at the
// last '\r' and is a prefix of the delimiter.
bool MultipartParser::scan(std::string_view& chunk) {
  if (held_ > 0) {
    const std::size_t n = std::min(chunk.size(), delimiter_.size() - held_);
    if (chunk.substr(0, n) == std::string_view(delimiter_).substr(held_, n)) {
      held_ += n;
      chunk.remove_prefix(n);
      if (held_ < delimiter_.size()) return true;  // chunk used up, still a possible match
      held_ = 0;
      return delimiter_found();
    }
    // The held bytes turned out to be content after all.
    const std::size_t h = std::exchange(held_, 0);
    if (!emit(std::string_view(delimiter_).substr(0, h))) return false;
  }
  const std::size_t pos = chunk.find(delimiter_);
  if (pos != std::string_view::npos) {
    if (!emit(chunk.substr(0, pos))) return false;
    chunk.remove_prefix(pos + delimiter_.size());
    return delimiter_found();
  }
  std::size_t keep = 0;
  const std::size_t cr = chunk.rfind('\r');
  if (cr != std::string_view::npos && chunk.size() - cr < delimiter_.size() &&
      std::string_view(delimiter_).starts_with(chunk.substr(cr)))
    keep = chunk.size() - cr;
  if (!emit(chunk.substr(0, chunk.size() - keep))) return false;
  held_ = keep;
  chunk = {};
  return true;
}

bool MultipartParser::emit(std::string_view bytes) {
  if (state_ != State::data || bytes.empty()) return true;  // the preamble is dropped
  if (!sink_.on_part_data(bytes)) return fail("rejected");
  return true;
}

bool MultipartParser::delimiter_found() {
  // The CRLF before the delimiter belongs to it, so the part is complete here whatever follows.
  if (state_ == State::data && !end_part()) return false;
  state_ = State::after_delim;
  return true;
}

bool MultipartParser::end_part() {
  if (!sink_.on_part_end()) return fail("rejected");
  return true;
}

// The rest of a delimiter line: "--" (the close delimiter), or optional transport padding
// (RFC 2046 allows spaces/tabs) and CRLF, which opens the next part.
bool MultipartParser::delimiter_byte(char c) {
  switch (state_) {
    case State::after_delim:
      if (c == '-') {
        state_ = State::close_dash;
        return true;
      }
      if (is_ows(c)) {
        padding_ = 1;
        state_ = State::padding;
        return true;
      }
      break;
    case State::close_dash:
      if (c == '-') {
        state_ = State::epilogue;
        return true;
      }
      return malformed("boundary followed by a single '-'");
    case State::padding:
      if (is_ows(c)) {
        if (++padding_ > limits_.max_part_header_bytes)
          return malformed("too much whitespace after a boundary");
        return true;
      }
      break;
    case State::delim_lf:
      if (c != '\n') return malformed("boundary line not ended by CRLF");
      if (++parts_ > limits_.max_parts)
        return fail("multipart body has more than " + std::to_string(limits_.max_parts) +
                    " parts");
      header_block_.clear();
      state_ = State::headers;
      return true;
    default:
      return false;
  }
  if (c != '\r') return malformed("boundary not followed by CRLF");
  state_ = State::delim_lf;
  return true;
}

bool MultipartParser::header_byte(char c) {
  const bool after_cr = !header_block_.empty() && header_block_.back() == '\r';
  if (after_cr != (c == '\n')) return malformed("part header line not ended by CRLF");
  if (c == '\0') return malformed("NUL byte in part headers");
  if (header_block_.size() >= limits_.max_part_header_bytes)
    return fail("multipart part headers exceed " +
                std::to_string(limits_.max_part_header_bytes) + " bytes");
  header_block_ += c;
  if (c == '\n' && (header_block_ == "\r\n" || header_block_.ends_with("\r\n\r\n")))
    return begin_part();
  return true;
}

// Reads the completed header block: Content-Disposition (required, form-data, with a name)
// and Content-Type; other headers are ignored (RFC 7578 deprecates Content-Transfer-Encoding).
bool MultipartParser::begin_part() {
  std::string_view block(header_block_);
  block.remove_suffix(2);  // the empty line
  MultipartPartInfo info;
  std::optional<std::string> disposition;
  std::optional<std::string> content_type;
  std::string line;  // one logical header line, continuation lines (obs-fold) joined

  auto process = [&]() -> bool {
    if (line.empty()) return true;
    const std::size_t colon = line.find(':');
    std::string_view name = std::string_view(line).substr(0, std::min(colon, line.size()));
    if (colon == std::string::npos || name.empty() ||
        !std::all_of(name.begin(), name.end(), is_tchar))
      return malformed("invalid part header line");
    std::string value(trim_ows(std::string_view(line).substr(colon + 1)));
    std::optional<std::string>* target = iequals(name, "Content-Disposition") ? &disposition
                                         : iequals(name, "Content-Type")      ? &content_type
                                                                              : nullptr;
    if (target) {
      if (*target) return malformed("duplicate " + std::string(name) + " header in a part");
      *target = std::move(value);
    }
    return true;
  };

  while (!block.empty()) {
    const std::size_t end = block.find("\r\n");  // every line in the block ends with CRLF
    std::string_view raw = block.substr(0, end);
    block.remove_prefix(end + 2);
    if (!raw.empty() && is_ows(raw.front())) {
      if (line.empty()) return malformed("part headers begin with a continuation line");
      line += ' ';
      line += trim_ows(raw);
      continue;
    }
    if (!process()) return false;
    line.assign(raw);
  }
  if (!process()) return false;

  if (!disposition) return malformed("part without a Content-Disposition header");
  auto [type, params] = split_type(*disposition);
  if (!iequals(type, "form-data")) return malformed("part is not form-data");
  std::optional<std::string> name;
  std::optional<std::string> filename;
  const bool params_ok = parse_params(params, [&](std::string_view key, std::string value) {
    // filename* (RFC 5987) is ignored: RFC 7578 says senders must not use it.
    std::optional<std::string>* target = iequals(key, "name")       ? &name
                                         : iequals(key, "filename") ? &filename
                                                                    : nullptr;
    if (!target) return true;
    if (*target) return false;
    *target = std::move(value);
    return true;
  });
  if (!params_ok) return malformed("invalid Content-Disposition header");
  if (!name || name->empty()) return malformed("part without a field name");
  info.name = std::move(*name);
  info.has_filename = filename.has_value();
  if (filename) info.filename = std::move(*filename);
  if (content_type) info.content_type = std::move(*content_type);

  header_block_.clear();
  header_block_.shrink_to_fit();  // part headers are bounded, but do not keep them around
  state_ = State::data;
  held_ = 0;
  if (!sink_.on_part_begin(info)) return fail("rejected");
  return true;
}

}  // namespace blazeiot
