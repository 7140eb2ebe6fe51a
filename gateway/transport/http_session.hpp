#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>

#include "gateway/realtime/loop.hpp"
#include "gateway/realtime/services.hpp"
#include "gateway/transport/conn_limits.hpp"

namespace boost::asio::ssl {
class context;
}

namespace techpulse::gateway {

namespace asio = boost::asio;

// Reads HTTP requests on a new connection (with a deadline, so a slow client cannot hold it), answers /healthz and
// /readyz, and hands /v1/ws upgrades that carry a valid token to a WsSession.
// `slot` is the connection's place under the connection caps; the session it becomes keeps it.
// With `tls` (the listener's current context, transport/tls.hpp) the connection is https/wss: a TLS handshake
// first, bounded by the handshake deadline; a client that does not speak TLS is closed.
asio::awaitable<void> serve_http(realtime::Services& svc, realtime::Loop& loop, asio::ip::tcp::socket socket,
                                 ConnectionSlot slot, std::shared_ptr<asio::ssl::context> tls = nullptr);

// Answers one HTTP request on a connection refused by a connection cap with 503 and closes it.
asio::awaitable<void> refuse_http(realtime::Services& svc, asio::ip::tcp::socket socket, std::string message,
                                  std::shared_ptr<asio::ssl::context> tls = nullptr);

}  // namespace techpulse::gateway
