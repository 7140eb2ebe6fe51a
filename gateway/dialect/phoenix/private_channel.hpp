#pragma once
// The one rule of the Phoenix dialect for private channels (config.private / "private": true), used by the join
// (connection.cpp) and the REST broadcast (rest_broadcast.cpp): a name thread:<…> or ticket:<…> is a core topic,
// open only to those the core's rules admit (tp_can_access, tp_can_access_ticket: a join subscribes the topic in
// the core, which also revokes it live; a REST broadcast asks realtime::topic_access); any other private name is
// open to every user with a verified token and a profile. Without a user token, no private channel.
#include <string_view>

namespace techpulse::gateway::dialect::phoenix {

inline bool is_core_topic(std::string_view name) {
  return name.substr(0, 7) == "thread:" || name.substr(0, 7) == "ticket:";
}

}  // namespace techpulse::gateway::dialect::phoenix
