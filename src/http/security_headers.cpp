#include "http/security_headers.hpp"

namespace blazeiot {

void add_security_headers(boost::beast::http::response<boost::beast::http::string_body>& res,
                          bool tls) {
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
  // API answers are data, never documents: nothing may load, run or frame. The dashboard's
  // files replace this with their own policy (dashboard_routes.cpp).
  res.set("Content-Security-Policy",
          "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  res.set("Cross-Origin-Opener-Policy", "same-origin");
  res.set("Cross-Origin-Resource-Policy", "same-origin");
  res.set("X-Permitted-Cross-Domain-Policies", "none");
  res.set("X-DNS-Prefetch-Control", "off");
  if (tls) res.set("Strict-Transport-Security", "max-age=15552000; includeSubDomains");
}

}  // namespace blazeiot
