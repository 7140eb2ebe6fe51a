// A session's life: admission, open and close, the rate limit, dispatch, the drain, the token's expiry, and the
// live re-check that revokes subscriptions this user may no longer hold. (Subscribing: subscribe.cpp; the other
// operations: operations.cpp.)
#include "gateway/realtime/session.hpp"
#include "storage/desk_store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "gateway/log.hpp"
#include "gateway/realtime/coalesced_reads.hpp"
#include "gateway/realtime/on_store.hpp"
#include "gateway/realtime/channels.hpp"
#include "gateway/realtime/presence.hpp"
#include "metrics/metrics.hpp"
#include "protocol/uuid.hpp"

namespace techpulse::gateway::realtime {

namespace {

// What a profile read means for the connection that asked (the one rule of both admit and admit_then).
Admission admission_of(const Services& svc, const ProfileRead& read, std::string user_id, int64_t exp) {
  const auto& prof = read.profile;
  Admission a;
  if (read.queue_full) {
    a.status = Admission::unavailable;
    a.queue_full = true;
    a.message = fmt::format("more than {} connections are waiting to be admitted; retry", svc.config.admission_queue);
  } else if (!prof.ok()) {
    a.status = Admission::unavailable;
    a.message = "the database is unreachable; retry";
  } else if (!*prof.value) {
    log(Level::warn, "auth_refused", "user={} reason=\"no profile\"", user_id);
    a.status = Admission::unauthorized;
    a.message = "no profile exists for this token's sub";
  } else {
    a.status = Admission::ok;
    a.identity = Identity{std::move(user_id), (*prof.value)->role, exp};
  }
  return a;
}

}  // namespace

asio::awaitable<Admission> admit(Services& svc, std::string user_id, int64_t exp) {
  auto lookup = svc.reads->profile(user_id);
  auto read = co_await on_store(svc.store, std::move(lookup));
  co_return admission_of(svc, read, std::move(user_id), exp);
}

void admit_then(Services& svc, asio::io_context& home, std::string user_id, int64_t exp,
                std::shared_ptr<AdmissionWaiter> waiter) {
  asio::post(svc.store.executor(), [&svc, &home, user_id = std::move(user_id), exp, waiter = std::move(waiter)]() mutable {
    std::string lookup = user_id;
    svc.reads->profile_then(std::move(lookup), [&svc, &home, user_id = std::move(user_id), exp,
                                                 waiter = std::move(waiter)](ProfileRead read) mutable {
      asio::post(home, [waiter = std::move(waiter), a = admission_of(svc, read, std::move(user_id), exp)]() mutable {
        waiter->admitted(std::move(a));
      });
    });
  });
}

Session::Session(Services& svc, Loop& loop, Identity who, Sink& sink, Flow& flow, std::shared_ptr<RateBucket> bucket)
    : svc_(svc),
      loop_(loop),
      who_(std::move(who)),
      session_id_(protocol::new_uuid()),
      sink_(&sink),
      flow_(flow),
      bucket_(bucket ? std::move(bucket) : std::make_shared<RateBucket>()) {
  svc_.live_sessions.fetch_add(1, std::memory_order_relaxed);
}

Session::~Session() {
  close();
  svc_.live_sessions.fetch_sub(1, std::memory_order_relaxed);
}

void Session::open() {
  if (opened_ || closing_) return;
  opened_ = true;
  loop_.hub.add_session(this);
  log(Level::info, "session_open", "session={} user={} role={} loop={}", session_id_, who_.user_id, who_.role,
      loop_.index);
  sink_->welcome(Welcome{session_id_, who_.user_id, who_.role, svc_.config.heartbeat_ms});
  arm_expiry();
  if (svc_.presence) {
    // Online while open, on every node (offline notifications, routing); close() untracks it with the topics.
    // Only whether the user is online is ever asked of it: no meta (an idle connection's bytes, and NOTIFY's).
    online_tracked_ = true;
    svc_.presence->track_online(who_.user_id, session_id_, "{}");
  }
}

void Session::close() {
  if (closing_) return;
  closing_ = true;
  for (auto& [topic, sub] : subs_) loop_.hub.remove(sub);
  subs_.clear();
  for (auto tracked = tracked_; const auto& t : tracked) untrack(t);
  if (online_tracked_) {
    online_tracked_ = false;
    if (svc_.presence) svc_.presence->untrack(Presence::kOnlineTopic, who_.user_id, session_id_);
  }
  if (row_watches_ > 0) {
    row_watches_ = 1;
    unwatch_rows();
  }
  loop_.hub.remove_session(this);
  if (expiry_) {
    loop_.expiries.remove(*expiry_);
    expiry_.reset();
  }
}

void Session::error(std::string_view ref, ErrorCode code, std::string_view message) {
  if (auto* s = sink()) s->error(ref, code, message);
}

void Session::db_error(std::string_view ref, const storage::PgError& e) {
  if (e.unavailable()) {
    error(ref, ErrorCode::unavailable, "the database is unreachable; retry later");
  } else {
    log(Level::error, "db_error", "session={} sqlstate={} message={}", session_id_, e.sqlstate, quoted(e.message));
    error(ref, ErrorCode::internal, "internal error");
  }
}

bool take_rate_token(const Config& cfg, RateBucket& b) {
  if (cfg.rate_limit_per_s == 0) return true;
  auto now = std::chrono::steady_clock::now();
  if (b.tokens < 0) {
    b.tokens = cfg.rate_limit_burst;
    b.refilled_at = now;
  }
  double elapsed = std::chrono::duration<double>(now - b.refilled_at).count();
  b.refilled_at = now;
  b.tokens = std::min<double>(cfg.rate_limit_burst, b.tokens + elapsed * cfg.rate_limit_per_s);
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

bool Session::take_token() { return take_rate_token(svc_.config, *bucket_); }

bool Session::admit_frame(std::string_view ref, bool is_send) {
  if (take_token()) return true;
  if (is_send) metrics::send(metrics::SendOutcome::rate_limited);
  // Nothing of this frame is acted on or stored.
  error(ref, ErrorCode::rate_limited,
        fmt::format("more than {} frames per second (burst {}); slow down", svc_.config.rate_limit_per_s,
                    svc_.config.rate_limit_burst));
  return false;
}

asio::awaitable<void> Session::handle(calls::Call call) {
  auto self = shared_from_this();
  if (closing_) co_return;
  if (draining_ && !std::holds_alternative<calls::Ping>(call)) {
    std::string ref = std::visit([](const auto& c) { return c.ref; }, call);
    error(ref, ErrorCode::unavailable, "the server is shutting down; reconnect and retry");
    co_return;
  }
  if (auto* c = std::get_if<calls::Ping>(&call)) ping(*c);
  else if (auto* c = std::get_if<calls::Subscribe>(&call)) co_await subscribe(*c);
  else if (auto* c = std::get_if<calls::Unsubscribe>(&call)) unsubscribe(*c);
  else if (auto* c = std::get_if<calls::Send>(&call)) send(*c);
  else if (auto* c = std::get_if<calls::History>(&call)) co_await history(*c);
  else if (auto* c = std::get_if<calls::Typing>(&call)) co_await typing(*c);
  else if (auto* c = std::get_if<calls::ThreadCreate>(&call)) co_await thread_create(*c);
  else if (auto* c = std::get_if<calls::ThreadUpdate>(&call)) co_await thread_update(*c);
  else if (auto* c = std::get_if<calls::ThreadsList>(&call)) co_await threads_list(*c);
  else if (auto* c = std::get_if<calls::AssistantCancel>(&call)) co_await assistant_cancel(*c);
  else if (auto* c = std::get_if<calls::RenewAuth>(&call)) renew_auth(*c);
  else if (auto* c = std::get_if<calls::MessageEdit>(&call)) co_await message_edit(*c);
  else if (auto* c = std::get_if<calls::MessageDelete>(&call)) co_await message_delete(*c);
  else if (auto* c = std::get_if<calls::Read>(&call)) co_await read(*c);
  else if (auto* c = std::get_if<calls::Search>(&call)) co_await search(*c);
  else if (auto* c = std::get_if<calls::ThreadGet>(&call)) co_await thread_get(*c);
  else if (auto* c = std::get_if<calls::MessageGet>(&call)) co_await message_get(*c);
  else if (auto* c = std::get_if<calls::Handoff>(&call)) co_await handoff(*c);
  else if (auto* c = std::get_if<calls::TicketClaim>(&call)) co_await ticket_claim(*c);
  else if (auto* c = std::get_if<calls::TicketAssign>(&call)) co_await ticket_assign(*c);
  else if (auto* c = std::get_if<calls::AnalyticsSummary>(&call)) co_await analytics_summary(*c);
}

void Session::push(const SharedEvent& event) {
  // A session is not told of its own read, nor of its own user's presence (presence.state already has them).
  const auto& e = event->event();
  if (const auto* r = std::get_if<ReadEvent>(&e); r && r->session_id == session_id_) return;
  if (const auto* p = std::get_if<PresenceEvent>(&e); p && p->user_id == who_.user_id) return;
  // A row change reaches only the users the native rules let see it (tp_row_visible, asked by the fan-out).
  if (const auto* r = std::get_if<RowEvent>(&e); r && (!r->visible || !r->visible->count(who_.user_id))) return;
  if (const auto* a = std::get_if<AssistantEvent>(&e); a && !assistant_event_wanted(*a)) return;
  if (auto* s = sink()) s->deliver(event);
}

void Session::push_run(const EventRun& run) {
  // A whole run holds only messages and their changes, which push() hands on unfiltered.
  if (auto* s = sink()) s->deliver_run(run);
}

asio::awaitable<bool> Session::watch_rows() {
  if (closing_ || !svc_.rows) co_return false;
  if (row_watches_++ == 0) {
    svc_.rows->add(who_.user_id);
    loop_.hub.watch_rows(this);
  }
  auto self = shared_from_this();  // the session may be closed while the feed is renewed
  co_return co_await ensure_row_feed(svc_);
}

void Session::unwatch_rows() {
  if (row_watches_ <= 0 || !svc_.rows) return;
  if (--row_watches_ == 0) {
    svc_.rows->remove(who_.user_id);
    loop_.hub.unwatch_rows(this);
  }
}

void Session::untrack(const std::string& topic) {
  if (!tracked_.erase(topic)) return;
  if (svc_.presence) svc_.presence->untrack(topic, who_.user_id, session_id_);
}

void Session::drain() {
  if (closing_ || draining_) return;
  draining_ = true;
  flow_.notify_when_idle();
  log(Level::debug, "session_draining", "session={} sends_in_flight={}", session_id_, sends_in_flight_);
  finish_drain_if_done();
}

void Session::output_idle() {
  if (draining_) finish_drain_if_done();
}

void Session::finish_drain_if_done() {
  // Every ack of a send in flight must be on the wire before the close frame.
  if (closing_ || sends_in_flight_ > 0 || !flow_.idle()) return;
  sink_->close(CloseReason::going_away, "server shutting down");
}

void Session::arm_expiry() {
  // One timer per loop for every session's expiry (expiry_queue.hpp): an idle connection holds an entry, not a timer.
  if (expiry_) loop_.expiries.remove(*expiry_);
  expiry_ = loop_.expiries.add(who_.exp, weak_from_this());
}

void Session::on_token_expired() {
  expiry_.reset();  // the queue has dropped the entry
  if (closing_) return;
  log(Level::info, "token_expired", "session={} user={}", session_id_, who_.user_id);
  error("", ErrorCode::unauthorized, "token expired; reconnect with a new token or renew it with auth");
  if (auto* s = sink()) s->close(CloseReason::token_expired, "token expired");
}

void Session::recheck_access() {
  ++access_notices_;
  if (closing_) return;
  if (rechecking_) {
    recheck_again_ = true;
    return;
  }
  rechecking_ = true;
  asio::co_spawn(loop_.ioc, run_recheck(shared_from_this()), asio::detached);
}

void Session::revoke(const std::string& topic) {
  auto it = subs_.find(topic);
  if (it == subs_.end() || !it->second->live) return;
  loop_.hub.remove(it->second);
  subs_.erase(it);
  untrack(topic);
  log(Level::warn, "forbidden", "session={} user={} topic={} action=revoke", session_id_, who_.user_id, topic);
  if (auto* s = sink()) s->unsubscribed({}, topic, "forbidden");
}

asio::awaitable<void> Session::run_recheck(std::shared_ptr<Session> self) {
  do {
    recheck_again_ = false;
    std::vector<std::string> threads, tickets;
    for (const auto& [topic, sub] : subs_) {
      if (!sub->live) continue;
      if (sub->kind == protocol::TopicKind::thread) threads.push_back(sub->key);
      if (sub->kind == protocol::TopicKind::ticket) tickets.push_back(sub->key);
    }
    auto r = co_await on_store(svc_.store, svc_.store.recheck_access(who_.user_id, threads, tickets));
    if (closing_) break;
    if (!r.ok()) {
      // The listener re-checks every session after it reconnects, so an outage does not leave stale access.
      log(Level::warn, "recheck_failed", "session={} error={}", session_id_, quoted(r.error.message));
      break;
    }
    if (!r.value->role) {
      error("", ErrorCode::unauthorized, "the profile of this session no longer exists");
      if (auto* s = sink()) s->close(CloseReason::token_expired, "profile removed");
      break;
    }
    who_.role = *r.value->role;
    for (const auto& t : r.value->denied_threads) revoke("thread:" + t);
    for (const auto& t : r.value->denied_tickets) revoke("ticket:" + t);
    if (subs_.count(kQueueTopic)) {
      auto staff = co_await on_store(svc_.store, storage::is_staff(svc_.store.pool(), who_.user_id));
      if (closing_) break;
      if (staff.ok() && !*staff.value) revoke(kQueueTopic);
    }
  } while (recheck_again_ && !closing_);
  rechecking_ = false;
}

}  // namespace techpulse::gateway::realtime
