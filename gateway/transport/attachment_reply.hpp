#pragma once
// Internal to the attachment routes: the caller's identity from the request's token, and a JSON reply written
// straight to the stream.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/status.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/realtime/session.hpp"
#include "gateway/transport/upgrade.hpp"

namespace techpulse::gateway::attachment_http {

struct Refusal {
  boost::beast::http::status status;
  std::string_view code;
  std::string message;
};

// Built outside coroutine bodies: g++ 12 miscompiles braced aggregates of string literals inside them.
Refusal refusal(boost::beast::http::status status, std::string_view code, std::string message);

// The token's user (its profile must exist), from ?access_token= or Authorization: Bearer; or why not.
boost::asio::awaitable<std::variant<realtime::Identity, Refusal>> caller(realtime::Services& svc,
                                                                        const boost::beast::http::request_header<>& h);

using Headers = std::vector<std::pair<std::string, std::string>>;
Headers one_header(std::string name, std::string value);

// Writes {"error":code,"message":...} (or `body` as is) with `status`; returns whether the write succeeded.
// Stream: beast::tcp_stream or TlsStream (instantiated in attachment_reply.cpp).
template <class Stream>
boost::asio::awaitable<bool> write_json(Stream& stream, unsigned version,
                                        boost::beast::http::status status, std::string body, bool keep_alive,
                                        Headers headers = {});
std::string error_body(std::string_view code, std::string_view message);

// After refusing a request whose body is still coming: stop sending, then read and drop what the client still sends
// (bounded: 2 s and 32 MiB) so that closing does not reset the connection before the client has read the refusal.
template <class Stream>
boost::asio::awaitable<void> linger(Stream& stream);

}  // namespace techpulse::gateway::attachment_http
