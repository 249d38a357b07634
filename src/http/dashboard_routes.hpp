#pragma once
// The built web dashboard (web/dist, WEB_DIR) served at "/": index.html and the top-level files
// revalidated on every load, the content-hashed files under /assets/ cached for a year.
#include <filesystem>

#include "http/router.hpp"

namespace blazeiot {

// The dashboard's own Content-Security-Policy: scripts, styles and connections only from the
// platform itself (no CDN, no inline code), WebSocket included.
inline constexpr const char* kDashboardCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'";

// Adds the routes; `web_dir` may not exist (yet): requests then get a 404 that says how to
// build the dashboard.
void add_dashboard_routes(Router& router, std::filesystem::path web_dir);

// The content type for a file name's extension (application/octet-stream when unknown).
const char* content_type_for(std::string_view filename);

}  // namespace blazeiot
