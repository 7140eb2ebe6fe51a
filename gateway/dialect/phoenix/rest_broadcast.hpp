#pragma once
// Supabase's REST broadcasts on the same listener (docs/supabase-compat.md, "Channels"):
// - POST /realtime/v1/api/broadcast, realtime-js's send() fallback for a channel it has not joined (the body parsed
//   by protocol/phoenix/rest.hpp);
// - POST /realtime/v1/api/broadcast/<room>/events/<event>[?private=true], httpSend() (the target split by the
//   transport; the body is the payload).
// One path for both: the sender's token (Authorization: Bearer) verified by the one verifier and its profile
// admitted by the core; each private channel decided by the dialect's one private-channel rule
// (private_channel.hpp: thread:/ticket: by the core's realtime::topic_access, other names open to the sender);
// then each message published through the core (realtime::publish_broadcast: the one payload limit).
#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>

#include "gateway/realtime/services.hpp"
#include "protocol/phoenix/rest.hpp"

namespace techpulse::gateway::dialect::phoenix {

// The largest request body read for either form (100 messages of the payload limit would not fit; a larger body
// is 413).
inline constexpr size_t kRestBodyLimit = 1024 * 1024;

struct RestResult {
  int status = 202;
  std::string body = "{}";  // {"error": message} on failure
};

// The arguments are named values of the caller's (g++ 12 and temporaries in a co_await, see storage/pg_conn.hpp).
boost::asio::awaitable<RestResult> rest_broadcast(realtime::Services& svc, const std::string& authorization,
                                                  const std::string& body);
boost::asio::awaitable<RestResult> http_send(realtime::Services& svc, const std::string& authorization,
                                             const protocol::phoenix::HttpSendTarget& target,
                                             const std::string& body);

}  // namespace techpulse::gateway::dialect::phoenix
