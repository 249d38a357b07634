#pragma once
// JSON text as people expect to read it. Boost.JSON writes every double in exponent form
// ("25.5" becomes "2.55E1"); this writes the shortest form that reads back to the same value
// ("25.5", "3.91", "1e+21"), and is otherwise identical to boost::json::serialize.
#include <boost/json/value.hpp>
#include <string>

namespace blazeiot {

std::string json_text(const boost::json::value& v);
void append_json_text(std::string& out, const boost::json::value& v);

// Whether every number in `v` is finite. JSON has no infinity, but a parser reads a literal
// beyond a double's range (1e999) as one, which no JSON writer can give back as it came
// (strict readers refuse "1e999"; this module would write null).
bool numbers_are_finite(const boost::json::value& v);

}  // namespace blazeiot
