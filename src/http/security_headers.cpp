#include "http/security_headers.hpp"

namespace blazeiot {

void add_security_headers(boost::beast::http::response<boost::beast::http::string_body>& res,
                          bool tls) {
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
  res.set("Content-Security-Policy",
          "default-src 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'; "
          "form-action 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'");
  res.set("Cross-Origin-Opener-Policy", "same-origin");
  res.set("Cross-Origin-Resource-Policy", "same-origin");
  res.set("X-Permitted-Cross-Domain-Policies", "none");
  res.set("X-DNS-Prefetch-Control", "off");
  if (tls) res.set("Strict-Transport-Security", "max-age=15552000; includeSubDomains");
}

}  // namespace blazeiot
