#include "core/json_text.hpp"
#include "http/validation.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

#include "core/identifier.hpp"
#include "core/iso_time.hpp"

namespace blazeiot {
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxJsonDepth = 32;

bool has_control_characters(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool is_json_media_type(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  std::string lower(media);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json" ||
         (lower.starts_with("application/") && lower.ends_with("+json"));
}

}  // namespace

std::variant<json::object, ApiResult> parse_json_body(const ApiRequest& request) {
  if (!request.content_type.empty() && !is_json_media_type(request.content_type))
    return error_result(415, "Content-Type must be application/json");
  if (request.body.empty()) return error_result(400, "Request body must be a JSON object");
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  json::value v = json::parse(request.body, ec, {}, options);
  if (ec) return error_result(400, "Malformed JSON body");
  if (!v.is_object()) return error_result(400, "Request body must be a JSON object");
  return std::move(v.as_object());
}

const json::value* BodyReader::take(std::string_view field, bool required) {
  known_.emplace(field);
  auto it = body_.find(field);
  if (it == body_.end() || (it->value().is_null() && required)) {
    if (required) error(std::string(field), "is required");
    return nullptr;
  }
  return &it->value();
}

std::optional<std::string> BodyReader::text(std::string_view field, bool required,
                                            std::size_t min_len, std::size_t max_len) {
  const json::value* v = take(field, required);
  if (!v) return std::nullopt;
  const json::string* s = v->if_string();
  if (!s) {
    error(std::string(field), "must be a string");
    return std::nullopt;
  }
  const std::size_t len = utf8_length(*s);
  if (len < min_len || len > max_len) {
    error(std::string(field), min_len == 0
                                  ? "must be at most " + std::to_string(max_len) + " characters"
                                  : "must be " + std::to_string(min_len) + " to " +
                                        std::to_string(max_len) + " characters");
    return std::nullopt;
  }
  if (has_control_characters(*s)) {
    error(std::string(field), "must not contain control characters");
    return std::nullopt;
  }
  return std::string(*s);
}

std::optional<std::string> BodyReader::identifier(std::string_view field, bool required) {
  const json::value* v = take(field, required);
  if (!v) return std::nullopt;
  const json::string* s = v->if_string();
  if (!s) {
    error(std::string(field), "must be a string");
    return std::nullopt;
  }
  if (!is_valid_identifier(*s)) {
    error(std::string(field),
          "must be 1 to 128 characters without '/', '+', '#' or control characters");
    return std::nullopt;
  }
  return std::string(*s);
}

std::optional<std::string> BodyReader::checked(
    std::string_view field, bool required,
    std::optional<std::string> (*problem)(std::string_view)) {
  const json::value* v = take(field, required);
  if (!v) return std::nullopt;
  const json::string* s = v->if_string();
  if (!s) {
    error(std::string(field), "must be a string");
    return std::nullopt;
  }
  if (auto p = problem(*s)) {
    error(std::string(field), *p);
    return std::nullopt;
  }
  return std::string(*s);
}

std::optional<std::string> BodyReader::one_of(std::string_view field, bool required,
                                              std::initializer_list<const char*> allowed) {
  const json::value* v = take(field, required);
  if (!v) return std::nullopt;
  const json::string* s = v->if_string();
  std::string list;
  for (const char* a : allowed) {
    if (s && *s == a) return std::string(a);
    list += list.empty() ? a : std::string(", ") + a;
  }
  error(std::string(field), "must be one of " + list);
  return std::nullopt;
}

std::optional<std::int64_t> BodyReader::integer(std::string_view field, bool required,
                                                std::int64_t min, std::int64_t max) {
  const json::value* v = take(field, required);
  if (!v) return std::nullopt;
  std::optional<std::int64_t> n;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(max)) {
    n = static_cast<std::int64_t>(v->get_uint64());
  } else if (v->is_double() && v->get_double() == std::floor(v->get_double()) &&
             std::abs(v->get_double()) < 9e15) {
    n = static_cast<std::int64_t>(v->get_double());
  }
  if (!n || *n < min || *n > max) {
    error(std::string(field),
          "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<double> BodyReader::number(std::string_view field, bool required, double min,
                                         double max) {
  const json::value* v = take(field, required);
  if (!v) return std::nullopt;
  if (!v->is_number() || v->to_number<double>() < min || v->to_number<double>() > max) {
    error(std::string(field), "must be a number from " + json_text(json::value(min)) + " to " +
                                  json_text(json::value(max)));
    return std::nullopt;
  }
  return v->to_number<double>();
}

std::optional<std::vector<std::string>> BodyReader::identifiers(std::string_view field,
                                                                bool required,
                                                                std::size_t max_count) {
  const json::value* v = take(field, required);
  if (!v) return std::nullopt;
  const json::array* a = v->if_array();
  if (!a || a->empty() || a->size() > max_count) {
    error(std::string(field),
          "must be an array of 1 to " + std::to_string(max_count) + " ids");
    return std::nullopt;
  }
  std::vector<std::string> out;
  std::set<std::string_view> seen;
  for (const json::value& item : *a) {
    const json::string* s = item.if_string();
    if (!s || !is_valid_identifier(*s)) {
      error(std::string(field), "must hold ids of 1 to 128 characters without '/', '+', '#'");
      return std::nullopt;
    }
    if (!seen.insert(std::string_view(*s)).second) {
      error(std::string(field), "lists " + std::string(*s) + " more than once");
      return std::nullopt;
    }
    out.emplace_back(*s);
  }
  return out;
}

std::optional<std::string> BodyReader::object_json(std::string_view field, std::size_t max_bytes) {
  const json::value* v = take(field, false);
  if (!v) return std::nullopt;
  if (!v->is_object()) {
    error(std::string(field), "must be a JSON object");
    return std::nullopt;
  }
  if (!numbers_are_finite(*v)) {
    error(std::string(field), "must not hold a number beyond the range of a double");
    return std::nullopt;
  }
  std::string text = json_text(*v);
  if (text.size() > max_bytes) {
    error(std::string(field), "must be at most " + std::to_string(max_bytes) + " bytes of JSON");
    return std::nullopt;
  }
  return text;
}

void BodyReader::error(std::string field, std::string message) {
  errors_.push_back(FieldError{std::move(field), std::move(message)});
}

std::vector<FieldError> BodyReader::finish() {
  // Past what a reply lists, unknown fields are only counted, not each copied.
  std::size_t unknown = 0;
  for (const auto& kv : body_)
    if (!known_.contains(std::string_view(kv.key()))) ++unknown;
  const std::size_t room = kMaxFieldErrors > errors_.size() ? kMaxFieldErrors - errors_.size() : 0;
  const std::size_t listed = unknown <= room ? unknown : (room > 0 ? room - 1 : 0);
  std::size_t n = 0;
  for (const auto& kv : body_) {
    if (n == listed) break;
    if (known_.contains(std::string_view(kv.key()))) continue;
    error(std::string(kv.key()), "is not a recognised field");
    ++n;
  }
  if (unknown > listed) {
    const std::size_t more = unknown - listed;
    error("body", std::to_string(more) + " more unrecognised field" + (more == 1 ? "" : "s"));
  }
  return std::move(errors_);
}

const std::string* QueryReader::find(std::initializer_list<std::string_view> names,
                                     std::string& used) {
  const std::string* found = nullptr;
  for (const auto& [k, v] : query_) {
    for (std::string_view n : names) {
      if (k != n) continue;
      if (found) {
        errors_.push_back(FieldError{k, "must be given only once"});
        return nullptr;
      }
      found = &v;
      used = k;
    }
  }
  return found;
}

std::int64_t QueryReader::integer(std::initializer_list<std::string_view> names,
                                  std::int64_t fallback, std::int64_t min, std::int64_t max) {
  std::string name;
  const std::string* s = find(names, name);
  if (!s) return fallback;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (s->empty() || ec != std::errc() || p != s->data() + s->size() || v < min || v > max) {
    errors_.push_back(FieldError{
        name, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max)});
    return fallback;
  }
  return v;
}

std::optional<EpochMs> QueryReader::date(std::initializer_list<std::string_view> names,
                                         bool end_of_range) {
  std::string name;
  const std::string* s = find(names, name);
  if (!s) return std::nullopt;
  auto t = parse_iso8601(*s);
  if (!t) {
    errors_.push_back(FieldError{name, "must be an ISO 8601 date or date-time"});
    return std::nullopt;
  }
  constexpr std::size_t kDateOnlyLength = 10;  // YYYY-MM-DD
  if (end_of_range && s->size() == kDateOnlyLength) *t += 24 * 3600 * 1000 - 1;
  return t;
}

std::optional<std::string> QueryReader::text(std::initializer_list<std::string_view> names,
                                             std::size_t max_len) {
  std::string name;
  const std::string* s = find(names, name);
  if (!s) return std::nullopt;
  if (s->empty() || s->size() > max_len || has_control_characters(*s)) {
    errors_.push_back(FieldError{name, "must be 1 to " + std::to_string(max_len) +
                                           " characters without control characters"});
    return std::nullopt;
  }
  return *s;
}

std::optional<Presence> QueryReader::presence(std::string_view name) {
  std::string used;
  const std::string* s = find({name}, used);
  if (!s) return std::nullopt;
  if (*s == "online") return Presence::online;
  if (*s == "offline") return Presence::offline;
  errors_.push_back(FieldError{used, "must be online or offline"});
  return std::nullopt;
}

}  // namespace blazeiot
