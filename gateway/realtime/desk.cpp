// A session's support-desk operations (issue 17): handoff, ticket.claim, ticket.assign and the queue:support topic.
// Who may do what is decided in SQL (010_desk.sql: tp_handoff, tp_claim_ticket, tp_assign_ticket, tp_is_staff),
// in the statement that writes; this file maps the outcomes to replies. The winner of a claim is subscribed to the
// ticket's topic at once, with the claim's ref.
#include <fmt/format.h>

#include "gateway/log.hpp"
#include "gateway/realtime/on_store.hpp"
#include "gateway/realtime/session.hpp"
#include "metrics/metrics.hpp"
#include "storage/desk_store.hpp"

namespace techpulse::gateway::realtime {

asio::awaitable<void> Session::handoff(const calls::Handoff& c) {
  auto r = co_await on_store(svc_.store, storage::handoff(svc_.store.pool(), who_.user_id, c.thread_id, c.reason));
  if (!r.ok()) {
    db_error(c.ref, r.error);
    co_return;
  }
  using S = storage::HandoffOutcome;
  const auto& h = *r.value;
  switch (h.status) {
    case S::ok:
      log(Level::info, "handoff", "session={} user={} thread={} ticket={} created={} duplicate={}", session_id_,
          who_.user_id, c.thread_id, h.ticket_id, h.created, h.duplicate);
      if (auto* s = sink()) s->handoff(c.ref, c.thread_id, h.ticket_id, h.created, h.duplicate, h.ticket_json);
      break;
    case S::not_found: error(c.ref, ErrorCode::not_found, "thread not found"); break;
    case S::forbidden:
      log(Level::warn, "forbidden", "session={} user={} thread={} action=handoff", session_id_, who_.user_id,
          c.thread_id);
      error(c.ref, ErrorCode::forbidden, "you may not use this thread");
      break;
  }
}

namespace {

// The error of a claim or an assignment that did not go through; false when it went through.
bool claim_error(const storage::ClaimOutcome& o, ErrorCode& code, std::string& message) {
  using S = storage::ClaimOutcome;
  switch (o.status) {
    case S::ok: return false;
    case S::not_found: code = ErrorCode::not_found; message = "ticket not found"; break;
    case S::forbidden: code = ErrorCode::forbidden; message = "only technicians and admins may take tickets"; break;
    case S::conflict: code = ErrorCode::conflict; message = "another technician has already claimed this ticket"; break;
    case S::gone: code = ErrorCode::conflict; message = "the ticket is resolved or closed"; break;
    case S::no_technician: code = ErrorCode::not_found; message = "technician not found"; break;
  }
  return true;
}

}  // namespace

asio::awaitable<void> Session::ticket_claim(const calls::TicketClaim& c) {
  auto r = co_await on_store(svc_.store, storage::claim_ticket(svc_.store.pool(), who_.user_id, c.ticket_id));
  if (!r.ok()) {
    db_error(c.ref, r.error);
    co_return;
  }
  ErrorCode code{};
  std::string message;
  if (claim_error(*r.value, code, message)) {
    if (code == ErrorCode::forbidden) {
      log(Level::warn, "forbidden", "session={} user={} ticket={} action=claim", session_id_, who_.user_id, c.ticket_id);
    }
    error(c.ref, code, message);
    co_return;
  }
  log(Level::info, "ticket_claimed", "session={} user={} ticket={} duplicate={}", session_id_, who_.user_id,
      c.ticket_id, r.value->duplicate);
  if (auto* s = sink()) s->ticket(c.ref, r.value->ticket_json, r.value->duplicate);
  // Granted at once: the claim is committed, so the ticket's topic authorizes this technician now.
  const std::string topic = "ticket:" + c.ticket_id;
  if (!closing_ && !subs_.count(topic)) {
    // Named, not a temporary inside the co_await expression (g++ 12, see storage/pg_conn.hpp).
    const calls::Subscribe sub{c.ref, topic, std::nullopt};
    auto op = subscribe(sub);
    co_await std::move(op);
  }
}

asio::awaitable<void> Session::ticket_assign(const calls::TicketAssign& c) {
  auto r = co_await on_store(svc_.store,
                             storage::assign_ticket(svc_.store.pool(), who_.user_id, c.ticket_id, c.technician_id));
  if (!r.ok()) {
    db_error(c.ref, r.error);
    co_return;
  }
  ErrorCode code{};
  std::string message;
  if (claim_error(*r.value, code, message)) {
    if (code == ErrorCode::forbidden) {
      log(Level::warn, "forbidden", "session={} user={} ticket={} action=assign", session_id_, who_.user_id,
          c.ticket_id);
      message = "only admins may assign tickets";
    }
    error(c.ref, code, message);
    co_return;
  }
  log(Level::info, "ticket_assigned", "session={} user={} ticket={} technician={}", session_id_, who_.user_id,
      c.ticket_id, c.technician_id);
  if (auto* s = sink()) s->ticket(c.ref, r.value->ticket_json, false);
}

asio::awaitable<void> Session::analytics_summary(const calls::AnalyticsSummary& c) {
  auto r = co_await on_store(svc_.store, storage::analytics_summary(svc_.store.pool(), who_.user_id, c.from, c.to));
  if (!r.ok()) {
    db_error(c.ref, r.error);
    co_return;
  }
  using S = storage::AnalyticsOutcome;
  switch (r.value->status) {
    case S::ok:
      if (auto* s = sink()) s->analytics(c.ref, r.value->json);
      break;
    case S::bad_range: error(c.ref, ErrorCode::bad_request, "from and to must be RFC 3339 timestamps with from <= to"); break;
    case S::forbidden:
      log(Level::warn, "forbidden", "session={} user={} action=analytics", session_id_, who_.user_id);
      error(c.ref, ErrorCode::forbidden, "analytics are for admins");
      break;
  }
}

asio::awaitable<void> Session::subscribe_queue(const calls::Subscribe& c, const std::string& name,
                                               const protocol::Topic& topic) {
  // Registered first (buffering), then the listener must be listening, then the snapshot: an event committed after
  // the snapshot's read is delivered after `subscribed`; one before it is already in the snapshot.
  auto sub = register_subscription(name, topic);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(svc_.config.db_timeout_ms);
  auto drop = [&] {
    loop_.hub.remove(sub);
    subs_.erase(name);
  };
  std::optional<storage::PgOutcome<storage::QueueSnapshot>> snap;
  const uint64_t access_notices = access_notices_;  // as in subscribe.cpp: a change during the set-up is re-checked
  for (;;) {
    while (!storage::Listener::listening(svc_.listener.epoch())) {
      if (std::chrono::steady_clock::now() > deadline) {
        drop();
        error(c.ref, ErrorCode::unavailable, "realtime delivery is reconnecting to the database; retry");
        co_return;
      }
      co_await pause(std::chrono::milliseconds(20));
      if (closing_) co_return;
    }
    const auto epoch = svc_.listener.epoch();
    sub->clear_pending();
    snap = co_await on_store(svc_.store, storage::queue_snapshot(svc_.store.pool(), who_.user_id));
    if (closing_) co_return;
    if (!snap->ok() || !snap->value->allowed) break;
    if (svc_.listener.epoch() == epoch && !sub->pending_overflow) break;
  }
  if (!snap->ok()) {
    drop();
    db_error(c.ref, snap->error);
    co_return;
  }
  if (!snap->value->allowed) {
    drop();
    log(Level::warn, "forbidden", "session={} user={} topic={}", session_id_, who_.user_id, name);
    error(c.ref, ErrorCode::forbidden, "the queue is open to technicians and admins only");
    co_return;
  }
  metrics::subscribed(metrics::TopicKind::queue);
  if (auto* s = sink()) s->queue_subscribed(c.ref, name, snap->value->tickets_json);
  sub->live = true;
  auto pending = std::move(sub->pending);
  sub->clear_pending();
  for (auto& p : pending) push(p.event);
  if (access_notices_ != access_notices) recheck_access();
}

}  // namespace techpulse::gateway::realtime
