#pragma once
// realtime: may a user read a thread:<uuid> or ticket:<uuid> topic, asked once, without subscribing (the REST
// broadcast to a private channel). The rule is the one a subscription's set-up asks (Session::snapshot): the store's
// thread_access / ticket_access statements, i.e. tp_can_access and tp_can_access_ticket in SQL. Nothing is decided
// here but how to report it.
#include <boost/asio/awaitable.hpp>
#include <string>

#include "gateway/realtime/services.hpp"

namespace techpulse::gateway::realtime {

struct TopicVerdict {
  enum Status { allowed, forbidden, not_found, bad_topic, unavailable } status = unavailable;
  std::string message;  // why not ("" when allowed)
};

// topic: "thread:<uuid>" or "ticket:<uuid>" (anything else is bad_topic).
boost::asio::awaitable<TopicVerdict> topic_access(Services& svc, std::string user_id, std::string topic);

}  // namespace techpulse::gateway::realtime
