#pragma once
// The HTTP routes of the browser app (docs/web.md): the app's files (static_files.hpp) and GET /v1/tickets, the
// technician console's snapshot of its assigned tickets. serve_http (http_session.cpp) asks here before it
// answers 404.
#include <boost/asio/awaitable.hpp>
#include <optional>

#include "gateway/realtime/services.hpp"
#include "gateway/web/static_files.hpp"

namespace techpulse::gateway::web {

// nullopt: not a route of the app.
boost::asio::awaitable<std::optional<HttpResponse>> route(realtime::Services& svc, const HttpRequest& req);

}  // namespace techpulse::gateway::web
