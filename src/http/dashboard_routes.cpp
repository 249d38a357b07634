#include "core/identifier.hpp"
#include "http/dashboard_routes.hpp"

#include <array>
#include <memory>

namespace blazeiot {
namespace fs = std::filesystem;
using boost::beast::http::verb;

const char* content_type_for(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, const char*>, 12> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".woff2", "font/woff2"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".webp", "image/webp"},
  }};
  for (const auto& [ext, type] : kTypes)
    if (name.size() > ext.size() && name.ends_with(ext)) return type;
  return "application/octet-stream";
}

namespace {

// Only names a Vite build produces: no separators, no leading dot, nothing to escape with.
bool is_plain_name(std::string_view name) {
  return !name.empty() && name.size() <= 200 && name.front() != '.' &&
         is_alnum_or(name, ".-_");
}

ApiResult serve(const fs::path& dir, std::string_view name, bool immutable) {
  if (!is_plain_name(name)) return error_result(404, "Not found");
  const fs::path path = dir / std::string(name);
  std::error_code ec;
  // A symbolic link could point anywhere; the build output has none.
  if (!fs::is_regular_file(fs::symlink_status(path, ec))) {
    if (!fs::exists(dir / "index.html", ec))
      return error_result(404, "The dashboard is not built: run scripts/build-web.sh");
    return error_result(404, "Not found");
  }
  FileReply file;
  file.path = path.string();
  file.content_type = content_type_for(name);
  file.cache_control = immutable ? "public, max-age=31536000, immutable" : "no-cache";
  file.content_security_policy = kDashboardCsp;
  return file_result(std::move(file));
}

}  // namespace

void add_dashboard_routes(Router& router, fs::path web_dir) {
  auto dir = std::make_shared<const fs::path>(std::move(web_dir));
  auto add = [&](std::string pattern, Route::Handler handler) {
    Route r;
    r.method = verb::get;
    r.pattern = std::move(pattern);
    r.access = Access::anyone;
    r.handler = std::move(handler);
    router.add(std::move(r));
  };
  add("/", [dir](ApiRequest&) { return serve(*dir, "index.html", false); });
  add("/:file", [dir](ApiRequest& req) { return serve(*dir, req.param("file"), false); });
  add("/assets/:file",
      [dir](ApiRequest& req) { return serve(*dir / "assets", req.param("file"), true); });
}

}  // namespace blazeiot
