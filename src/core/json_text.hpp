#pragma once
// JSON text as people expect to read it. Boost.JSON writes every double in exponent form
// ("25.5" becomes "2.55E1"); this writes the shortest form that reads back to the same value
// ("25.5", "3.91", "1e+21"), and is otherwise identical to boost::json::serialize.
#include <boost/json/value.hpp>
#include <string>

namespace blazeiot {

std::string json_text(const boost::json::value& v);
void append_json_text(std::string& out, const boost::json::value& v);

}  // namespace blazeiot
