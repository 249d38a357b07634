#pragma once
// A request as route handlers see it: decoded path and query, the body, who is asking.
// Deliberately free of Beast types beyond the verb, so handlers stay cheap to compile and test.
#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/role.hpp"
#include "core/clock.hpp"

namespace blazeiot {

struct AuthUser {
  std::int64_t id = 0;
  std::string username;
  std::string email;
  Role role = Role::viewer;
};

struct ApiRequest {
  using Pairs = std::vector<std::pair<std::string, std::string>>;

  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string path;  // percent-decoded
  Pairs path_params;
  Pairs query;  // percent-decoded, in order of appearance
  std::string body;
  std::string content_type;
  std::string client;  // the client's address as the server believes it
  std::string origin;  // scheme://host as the client addressed us ("" when Host is unusable)
  std::optional<AuthUser> user;
  EpochMs now = 0;

  // The value of a ":name" segment of the matched route ("" if there is none).
  std::string_view param(std::string_view name) const {
    for (const auto& [k, v] : path_params)
      if (k == name) return v;
    return {};
  }
};

}  // namespace blazeiot
