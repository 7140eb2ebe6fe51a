#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "gateway/server.hpp"

namespace techpulse::gateway {

// Reads HTTP requests on a new connection (with a deadline, so a slow client cannot hold it), answers /healthz and
// /readyz, and hands /v1/ws upgrades that carry a valid token to a WsSession.
asio::awaitable<void> serve_http(Services& svc, Loop& loop, asio::ip::tcp::socket socket);

}  // namespace techpulse::gateway
