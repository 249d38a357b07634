#pragma once
// Headers every response carries, whatever produced it.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace blazeiot {

// HSTS only under TLS: over plain HTTP the header is meaningless and browsers ignore it.
void add_security_headers(boost::beast::http::response<boost::beast::http::string_body>& response,
                          bool tls);

}  // namespace blazeiot
