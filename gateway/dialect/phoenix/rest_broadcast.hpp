#pragma once
// POST /realtime/v1/api/broadcast (Supabase's REST broadcast, the fallback realtime-js uses for a channel it has
// not joined): the body parsed by protocol/phoenix/rest.hpp, the sender's token (Authorization: Bearer) verified by
// the one verifier and its profile admitted by the core, each message published through the core
// (realtime::publish_broadcast: the one payload limit). Public channels only: a private channel's membership is
// decided at a join, which REST has not got (refused with 403 and a message saying so).
#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>

#include "gateway/realtime/services.hpp"

namespace techpulse::gateway::dialect::phoenix {

// The largest request body read for it (100 messages of the payload limit would not fit; a larger body is 413).
inline constexpr size_t kRestBodyLimit = 1024 * 1024;

struct RestResult {
  int status = 202;
  std::string body = "{}";  // {"error": message} on failure
};

// The arguments are named values of the caller's (g++ 12 and temporaries in a co_await, see storage/pg_conn.hpp).
boost::asio::awaitable<RestResult> rest_broadcast(realtime::Services& svc, const std::string& authorization,
                                                  const std::string& body);

}  // namespace techpulse::gateway::dialect::phoenix
