#pragma once
// transport: GET /metrics, the Prometheus scrape (metrics/, docs/operations.md "Monitor"): on the main listener
// (http_session.cpp routes it here), or, with --metrics-listen, on a listener of its own that answers nothing else.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "gateway/realtime/services.hpp"

namespace techpulse::gateway {

// The scrape's response: every metric (the assistant's queue depth read from the database, bounded by 3 s; left
// out when the database does not answer).
boost::asio::awaitable<boost::beast::http::response<boost::beast::http::string_body>> metrics_response(
    realtime::Services& svc, const boost::beast::http::request<boost::beast::http::string_body>& req);

// One connection to --metrics-listen: GET /metrics is answered, every other path 404.
boost::asio::awaitable<void> serve_metrics_http(realtime::Services& svc, boost::asio::ip::tcp::socket socket);

}  // namespace techpulse::gateway
