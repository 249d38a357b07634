#pragma once
// Allow-list validation of untrusted input. A reader is asked for each field it knows; every
// problem becomes a FieldError naming the field; finish() adds one for every field in the body
// that nobody asked for, so a client can never set something the endpoint does not offer.
#include <boost/json/object.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/entities.hpp"
#include "http/api_request.hpp"
#include "http/api_result.hpp"

namespace blazeiot {

// The body as a JSON object, or the response explaining why it is not one (415 for another
// media type, 400 for malformed JSON, nesting deeper than 32 or a non-object).
std::variant<boost::json::object, ApiResult> parse_json_body(const ApiRequest& request);

class BodyReader {
 public:
  explicit BodyReader(const boost::json::object& body) : body_(body) {}

  // A string of min..max characters (UTF-8 bytes) without control characters.
  std::optional<std::string> text(std::string_view field, bool required, std::size_t min_len,
                                  std::size_t max_len);
  // A device/gateway/node id (core/identifier.hpp rules).
  std::optional<std::string> identifier(std::string_view field, bool required);
  // A string that `problem` accepts (returns nothing for a good value).
  std::optional<std::string> checked(std::string_view field, bool required,
                                     std::optional<std::string> (*problem)(std::string_view));
  std::optional<std::string> one_of(std::string_view field, bool required,
                                    std::initializer_list<const char*> allowed);
  // A whole number in min..max (a JSON integer, or a double with no fraction).
  std::optional<std::int64_t> integer(std::string_view field, bool required, std::int64_t min,
                                      std::int64_t max);
  // Any JSON number in min..max.
  std::optional<double> number(std::string_view field, bool required, double min, double max);
  // An array of 1..max_count distinct ids (core/identifier.hpp rules).
  std::optional<std::vector<std::string>> identifiers(std::string_view field, bool required,
                                                      std::size_t max_count);
  // A JSON object, returned serialised (at most max_bytes of it).
  std::optional<std::string> object_json(std::string_view field, std::size_t max_bytes);

  void error(std::string field, std::string message);
  std::vector<FieldError> finish();

 private:
  const boost::json::value* take(std::string_view field, bool required);

  const boost::json::object& body_;
  std::set<std::string, std::less<>> known_;
  std::vector<FieldError> errors_;
};

class QueryReader {
 public:
  explicit QueryReader(const ApiRequest::Pairs& query) : query_(query) {}

  // Each accepts several spellings of a name (e.g. {"start_date", "startDate"}).
  std::int64_t integer(std::initializer_list<std::string_view> names, std::int64_t fallback,
                       std::int64_t min, std::int64_t max);
  // ISO 8601. A bare date given as an end is the end of that day (through 23:59:59.999).
  std::optional<EpochMs> date(std::initializer_list<std::string_view> names, bool end_of_range);
  std::optional<std::string> text(std::initializer_list<std::string_view> names,
                                  std::size_t max_len);
  std::optional<Presence> presence(std::string_view name);

  std::vector<FieldError>& errors() { return errors_; }

 private:
  // The value and the name it was given under; an error if given more than once.
  const std::string* find(std::initializer_list<std::string_view> names, std::string& used);

  const ApiRequest::Pairs& query_;
  std::vector<FieldError> errors_;
};

}  // namespace blazeiot
