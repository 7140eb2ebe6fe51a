#include "gateway/realtime/topic_access.hpp"

#include "gateway/realtime/on_store.hpp"
#include "protocol/frames.hpp"

namespace techpulse::gateway::realtime {

boost::asio::awaitable<TopicVerdict> topic_access(Services& svc, std::string user_id, std::string topic) {
  auto t = protocol::parse_topic(topic);
  if (!t || (t->kind != protocol::TopicKind::thread && t->kind != protocol::TopicKind::ticket)) {
    co_return TopicVerdict{TopicVerdict::bad_topic, "the topic must be thread:<uuid> or ticket:<uuid>"};
  }
  bool exists = false, allowed = false;
  const bool thread = t->kind == protocol::TopicKind::thread;
  if (thread) {
    auto check = svc.store.thread_access(std::move(user_id), t->id);
    auto access = co_await on_store(svc.store, std::move(check));
    if (!access.ok()) co_return TopicVerdict{TopicVerdict::unavailable, "the database is unreachable; retry later"};
    exists = access.value->exists;
    allowed = access.value->allowed;
  } else {
    auto check = svc.store.ticket_access(std::move(user_id), t->id);
    auto access = co_await on_store(svc.store, std::move(check));
    if (!access.ok()) co_return TopicVerdict{TopicVerdict::unavailable, "the database is unreachable; retry later"};
    exists = access.value->exists;
    allowed = access.value->allowed;
  }
  if (!exists) co_return TopicVerdict{TopicVerdict::not_found, thread ? "thread not found" : "ticket not found"};
  if (!allowed) {
    co_return TopicVerdict{TopicVerdict::forbidden, thread ? "you may not read this thread"
                                                           : "only the assigned technician and admins may use this ticket"};
  }
  co_return TopicVerdict{TopicVerdict::allowed, ""};
}

}  // namespace techpulse::gateway::realtime
