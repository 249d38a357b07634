#include "http/router.hpp"

#include <algorithm>

namespace blazeiot {
namespace http = boost::beast::http;

std::vector<std::string_view> Router::split(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

void Router::add(Route route) {
  for (std::string_view s : split(route.pattern)) route.segments.emplace_back(s);
  routes_.push_back(std::move(route));
}

std::optional<int> Router::fit(const Route& route, const std::vector<std::string_view>& segments,
                               ApiRequest::Pairs* params) {
  if (route.segments.size() != segments.size()) return std::nullopt;
  int literals = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& p = route.segments[i];
    if (!p.empty() && p.front() == ':') {
      if (segments[i].empty()) return std::nullopt;
      if (params) params->emplace_back(p.substr(1), std::string(segments[i]));
    } else if (p == segments[i]) {
      ++literals;
    } else {
      return std::nullopt;
    }
  }
  return literals;
}

std::variant<RouteMatch, MethodNotAllowed, NoRoute> Router::match(
    http::verb method, const std::vector<std::string_view>& segments) const {
  const http::verb wanted = method == http::verb::head ? http::verb::get : method;
  const Route* best = nullptr;
  int best_literals = -1;
  bool path_known = false;
  for (const Route& r : routes_) {
    auto literals = fit(r, segments, nullptr);
    if (!literals) continue;
    path_known = true;
    if (r.method == wanted && *literals > best_literals) {
      best = &r;
      best_literals = *literals;
    }
  }
  if (best) {
    RouteMatch m{best, {}};
    fit(*best, segments, &m.params);
    return m;
  }
  if (path_known) return MethodNotAllowed{allowed_methods(segments)};
  return NoRoute{};
}

std::string Router::allowed_methods(const std::vector<std::string_view>& segments) const {
  std::vector<http::verb> verbs;
  for (const Route& r : routes_)
    if (fit(r, segments, nullptr) && std::find(verbs.begin(), verbs.end(), r.method) == verbs.end())
      verbs.push_back(r.method);
  if (verbs.empty()) return {};
  if (std::find(verbs.begin(), verbs.end(), http::verb::get) != verbs.end())
    verbs.push_back(http::verb::head);
  verbs.push_back(http::verb::options);
  std::string out;
  for (http::verb v : verbs) {
    if (!out.empty()) out += ", ";
    out += std::string(http::to_string(v));
  }
  return out;
}

}  // namespace blazeiot
