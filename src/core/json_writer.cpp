#include "core/json_writer.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <cmath>

#include "core/iso_time.hpp"

namespace blazeiot {

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain_from = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + plain_from, i - plain_from);
    plain_from = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
  }
  out.append(text.data() + plain_from, text.size() - plain_from);
  out += '"';
}

void append_json_double(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";  // JSON has no NaN or infinity
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  std::string_view digits(buf, static_cast<std::size_t>(end - buf));
  out += digits;
  // Keep it a floating-point number for typed readers: 48.0 stays "48.0", not "48".
  if (digits.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void append_json_int(std::string& out, std::int64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

namespace {
// basic_parser handler that accepts everything: the parser itself checks the grammar,
// nesting depth and UTF-8, and nothing is built.
struct NullHandler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
  using ec_t = boost::system::error_code;
  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_object_begin(ec_t&) { return true; }
  bool on_object_end(std::size_t, ec_t&) { return true; }
  bool on_array_begin(ec_t&) { return true; }
  bool on_array_end(std::size_t, ec_t&) { return true; }
  bool on_key_part(std::string_view, std::size_t, ec_t&) { return true; }
  bool on_key(std::string_view, std::size_t, ec_t&) { return true; }
  bool on_string_part(std::string_view, std::size_t, ec_t&) { return true; }
  bool on_string(std::string_view, std::size_t, ec_t&) { return true; }
  bool on_number_part(std::string_view, ec_t&) { return true; }
  bool on_int64(std::int64_t, std::string_view, ec_t&) { return true; }
  bool on_uint64(std::uint64_t, std::string_view, ec_t&) { return true; }
  bool on_double(double, std::string_view, ec_t&) { return true; }
  bool on_bool(bool, ec_t&) { return true; }
  bool on_null(ec_t&) { return true; }
  bool on_comment_part(std::string_view, ec_t&) { return true; }
  bool on_comment(std::string_view, ec_t&) { return true; }
};
}  // namespace

bool is_valid_json(std::string_view text) {
  boost::json::basic_parser<NullHandler> parser{boost::json::parse_options{}};
  boost::system::error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  return !ec && used == text.size() && parser.done();
}

JsonWriter& JsonWriter::key(std::string_view name) {
  separate();
  append_json_string(out_, name);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view text) {
  separate();
  append_json_string(out_, text);
  return *this;
}

JsonWriter& JsonWriter::number(double value) {
  separate();
  append_json_double(out_, value);
  return *this;
}

JsonWriter& JsonWriter::integer(std::int64_t value) {
  separate();
  append_json_int(out_, value);
  return *this;
}

JsonWriter& JsonWriter::boolean(bool value) {
  separate();
  out_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::iso_time(EpochMs ms) {
  separate();
  out_ += '"';
  append_iso8601(out_, ms);
  out_ += '"';
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  separate();
  out_ += json;
  return *this;
}

JsonWriter& JsonWriter::open(char bracket) {
  separate();
  out_ += bracket;
  has_element_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  out_ += bracket;
  has_element_.pop_back();
  return *this;
}

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;  // the value that follows a key needs no comma
    return;
  }
  if (has_element_.empty()) return;
  if (has_element_.back()) out_ += ',';
  has_element_.back() = true;
}

}  // namespace blazeiot
