#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "gateway/realtime/loop.hpp"
#include "gateway/realtime/services.hpp"
#include "gateway/transport/conn_limits.hpp"

namespace techpulse::gateway {

namespace asio = boost::asio;

// Reads HTTP requests on a new connection (with a deadline, so a slow client cannot hold it), answers /healthz and
// /readyz, and hands /v1/ws upgrades that carry a valid token to a WsSession.
// `slot` is the connection's place under the connection caps; the session it becomes keeps it.
asio::awaitable<void> serve_http(realtime::Services& svc, realtime::Loop& loop, asio::ip::tcp::socket socket,
                                 ConnectionSlot slot);

// Answers one HTTP request on a connection refused by a connection cap with 503 and closes it.
asio::awaitable<void> refuse_http(realtime::Services& svc, asio::ip::tcp::socket socket, std::string message);

}  // namespace techpulse::gateway
