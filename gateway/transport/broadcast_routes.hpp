#pragma once
// Which requests are Supabase's REST broadcasts (dialect/phoenix/rest_broadcast.hpp), and httpSend's target split:
//   POST /realtime/v1/api/broadcast                                    the batch form (send()'s fallback)
//   POST /realtime/v1/api/broadcast/<room>/events/<event>[?private=true] httpSend (room and event percent-encoded,
//                                                                      as encodeURIComponent writes them)
// realtime-js builds the httpSend URL from the socket's, so its query also carries apikey and vsn (ignored here).
#include <boost/beast/http/verb.hpp>
#include <optional>
#include <string_view>

#include "protocol/phoenix/rest.hpp"

namespace techpulse::gateway {

enum class BroadcastRoute { none, batch, http_send };

// path: the target without its query.
BroadcastRoute broadcast_route(boost::beast::http::verb method, std::string_view path);

// httpSend's room, event and flags from the whole target; nullopt when it is not that form (a segment empty, or
// more segments than <room>/events/<event>). binary: the request's Content-Type is application/octet-stream.
std::optional<protocol::phoenix::HttpSendTarget> http_send_target(std::string_view target, std::string_view content_type);

}  // namespace techpulse::gateway
