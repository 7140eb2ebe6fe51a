// A session's operations other than subscribing: the send pipeline (in-flight bound, ack after commit; the
// statement itself authorizes and deduplicates), history, thread create/update/list, typing, assistant cancel,
// token renewal and ping.
#include <boost/asio/post.hpp>

#include "gateway/jwt.hpp"
#include "gateway/log.hpp"
#include "gateway/realtime/on_store.hpp"
#include "gateway/realtime/session.hpp"
#include "metrics/metrics.hpp"
#include "protocol/uuid.hpp"
#include "storage/assistant_store.hpp"

namespace techpulse::gateway::realtime {

namespace {

std::string message_role(const std::string& profile_role) {
  return profile_role == "customer" ? "user" : "technician";  // staff (technicians, admins) write as technician
}

}  // namespace

asio::awaitable<bool> Session::authorize_thread(const std::string& ref, const std::string& thread_id) {
  auto a = co_await on_store(svc_.store, svc_.store.thread_access(who_.user_id, thread_id));
  if (!a.ok()) {
    db_error(ref, a.error);
    co_return false;
  }
  if (!a.value->exists) {
    error(ref, ErrorCode::not_found, "thread not found");
    co_return false;
  }
  if (!a.value->allowed) {
    log(Level::warn, "forbidden", "session={} user={} thread={}", session_id_, who_.user_id, thread_id);
    error(ref, ErrorCode::forbidden, "you may not use this thread");
    co_return false;
  }
  co_return true;
}

void Session::ping(const calls::Ping& c) {
  if (auto* s = sink()) s->pong(c.ref);
}

void Session::send(const calls::Send& c) {
  if (sends_in_flight_ >= kMaxSendsInFlight) {
    metrics::send(metrics::SendOutcome::rate_limited);
    error(c.ref, ErrorCode::rate_limited, "too many sends waiting for their ack");
    return;
  }
  ++sends_in_flight_;
  const auto started = std::chrono::steady_clock::now();
  storage::NewMessage m{protocol::new_uuid(), c.thread_id, who_.user_id, message_role(who_.role), c.content,
                        c.message_type, c.metadata, c.client_msg_id};
  std::weak_ptr<Session> weak = shared_from_this();
  auto& ioc = loop_.ioc;
  loop_.sends.add(svc_.store, std::move(m), [&ioc, weak, ref = c.ref, thread = c.thread_id, started](storage::SendOutcome o) {
    asio::post(ioc, [weak, ref, thread, started, o = std::move(o)] {
      if (auto self = weak.lock()) self->on_send_outcome(ref, thread, o, started);
    });
  });
}

void Session::read_done() { loop_.sends.flush(); }

void Session::on_send_outcome(const std::string& ref, const std::string& thread, const storage::SendOutcome& o,
                              std::chrono::steady_clock::time_point started) {
  --sends_in_flight_;
  using S = storage::SendOutcome;
  using M = metrics::SendOutcome;
  metrics::send([&] {
    switch (o.status) {
      case S::ok: return M::ok;
      case S::duplicate: return M::duplicate;
      case S::not_found: return M::not_found;
      case S::forbidden: return M::forbidden;
      case S::unavailable: return M::unavailable;
      case S::invalid: return M::invalid;
      case S::internal: break;
    }
    return M::internal;
  }());
  metrics::observe(metrics::Hist::send_ack_seconds,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  switch (o.status) {
    case S::ok:
    case S::duplicate:
      if (auto* s = sink()) s->ack(ref, thread, o.message_id, o.seq, o.created_at, o.status == S::duplicate);
      break;
    case S::not_found: error(ref, ErrorCode::not_found, o.detail.empty() ? "thread not found" : o.detail); break;
    case S::forbidden:
      log(Level::warn, "forbidden", "session={} user={} thread={} action=send", session_id_, who_.user_id, thread);
      error(ref, ErrorCode::forbidden, "you may not write to this thread");
      break;
    case S::unavailable: error(ref, ErrorCode::unavailable, o.detail); break;
    case S::invalid: error(ref, ErrorCode::bad_request, o.detail); break;
    case S::internal:
      log(Level::error, "send_failed", "session={} detail={}", session_id_, quoted(o.detail));
      error(ref, ErrorCode::internal, "internal error");
      break;
  }
  if (draining_) finish_drain_if_done();
}

asio::awaitable<void> Session::history(const calls::History& c) {
  bool allowed = co_await authorize_thread(c.ref, c.thread_id);
  if (!allowed) co_return;
  if (c.after) {
    // Forward: one more than asked says whether newer messages exist.
    auto f = co_await on_store(svc_.store, svc_.store.messages_after(c.thread_id, *c.after, c.limit + 1));
    if (!f.ok()) {
      db_error(c.ref, f.error);
      co_return;
    }
    auto& rows = f.value->first;
    const bool more = rows.size() > static_cast<size_t>(c.limit);
    if (more) rows.resize(static_cast<size_t>(c.limit));
    std::vector<std::string> page;
    for (auto& m : rows) page.push_back(std::move(m.json));
    // Forward, the cursor to go on from is the newest message's (or the one asked for, on an empty page).
    const int64_t next = rows.empty() ? *c.after : rows.back().seq;
    if (auto* s = sink()) s->history(c.ref, c.thread_id, page, more, next);
    co_return;
  }
  auto r = co_await on_store(svc_.store, svc_.store.history(c.thread_id, c.before, c.limit));
  if (!r.ok()) {
    db_error(c.ref, r.error);
    co_return;
  }
  std::vector<std::string> messages;
  for (auto& m : r.value->first) messages.push_back(std::move(m.json));
  const int64_t next_before = r.value->first.empty() ? 0 : r.value->first.front().seq;
  if (auto* s = sink()) s->history(c.ref, c.thread_id, messages, r.value->second, next_before);
}

asio::awaitable<void> Session::typing(const calls::Typing& c) {
  // A live subscription was authorized when it was made; otherwise ask the database.
  bool subscribed = false;
  if (auto it = subs_.find("thread:" + c.thread_id); it != subs_.end() && it->second->live) subscribed = true;
  if (!subscribed) {
    bool allowed = co_await authorize_thread(c.ref, c.thread_id);
    if (!allowed) co_return;
  }
  auto r = co_await on_store(svc_.store, svc_.store.notify_typing(c.thread_id, who_.user_id, session_id_));
  if (!r.ok()) db_error(c.ref, r.error);
}

asio::awaitable<void> Session::thread_create(const calls::ThreadCreate& c) {
  auto& store = svc_.store;
  // The ticket link is authorized inside the INSERT (tp_may_link): a thread links only to a ticket its owner may see.
  auto r = co_await on_store(store, store.create_thread(who_.user_id, c.title, c.ticket_id, c.assistant.value_or(true)));
  if (!r.ok()) {
    db_error(c.ref, r.error);
    co_return;
  }
  thread_written(c.ref, "", c.ticket_id, *r.value);
}

asio::awaitable<void> Session::thread_update(const calls::ThreadUpdate& c) {
  // Access, the ticket link and the update are decided in one statement (see ChatStore::update_thread).
  auto r = co_await on_store(svc_.store,
                             svc_.store.update_thread(who_.user_id, c.thread_id, c.title, c.assistant, c.ticket_id));
  if (!r.ok()) {
    db_error(c.ref, r.error);
    co_return;
  }
  thread_written(c.ref, c.thread_id, c.ticket_id.value_or(""), *r.value);
}

void Session::thread_written(const std::string& ref, const std::string& thread_id, const std::string& ticket_id,
                             const storage::ThreadWrite& w) {
  using W = storage::ThreadWrite;
  switch (w.status) {
    case W::ok:
      if (auto* s = sink()) s->thread(ref, w.json);
      return;
    case W::thread_not_found: error(ref, ErrorCode::not_found, "thread not found"); return;
    case W::ticket_not_found: error(ref, ErrorCode::not_found, "ticket not found"); return;
    case W::thread_forbidden:
      log(Level::warn, "forbidden", "session={} user={} thread={}", session_id_, who_.user_id, thread_id);
      error(ref, ErrorCode::forbidden, "you may not use this thread");
      return;
    case W::ticket_forbidden:
      log(Level::warn, "forbidden", "session={} user={} ticket={} action=link", session_id_, who_.user_id, ticket_id);
      error(ref, ErrorCode::forbidden, "you may not link a thread to this ticket");
      return;
    case W::assistant_forbidden:
      log(Level::warn, "forbidden", "session={} user={} thread={} action=assistant_on", session_id_, who_.user_id,
          thread_id);
      error(ref, ErrorCode::forbidden, "the thread is with a technician: only staff may turn the assistant back on");
      return;
  }
}

asio::awaitable<void> Session::threads_list(const calls::ThreadsList& c) {
  auto r = co_await on_store(svc_.store, svc_.store.list_threads(who_.user_id, c.before, c.limit));
  if (!r.ok()) {
    if (r.error.sqlstate.rfind("22", 0) == 0) {
      error(c.ref, ErrorCode::bad_request, "before must be the next_before of a threads reply");
    } else {
      db_error(c.ref, r.error);
    }
    co_return;
  }
  if (auto* s = sink()) s->threads(c.ref, r.value->threads_json, r.value->has_more, r.value->next_before);
}

asio::awaitable<void> Session::thread_get(const calls::ThreadGet& c) {
  bool allowed = co_await authorize_thread(c.ref, c.thread_id);
  if (!allowed) co_return;
  auto r = co_await on_store(svc_.store, svc_.store.thread_json(who_.user_id, c.thread_id));
  if (!r.ok()) {
    db_error(c.ref, r.error);
    co_return;
  }
  if (!*r.value) {
    error(c.ref, ErrorCode::not_found, "thread not found");
  } else if (auto* s = sink()) {
    s->thread(c.ref, **r.value);
  }
}

asio::awaitable<void> Session::message_get(const calls::MessageGet& c) {
  // Only a message of a thread this user may read; any other id is not found, so existence does not leak.
  auto r = co_await on_store(svc_.store, svc_.store.readable_message_json(who_.user_id, c.message_id));
  if (!r.ok()) {
    db_error(c.ref, r.error);
    co_return;
  }
  if (!*r.value) {
    error(c.ref, ErrorCode::not_found, "message not found");
  } else if (auto* s = sink()) {
    s->message(c.ref, **r.value);
  }
}

asio::awaitable<void> Session::assistant_cancel(const calls::AssistantCancel& c) {
  bool allowed = co_await authorize_thread(c.ref, c.thread_id);
  if (!allowed) co_return;
  // The turn's worker, on whichever node, ends it with assistant.error code `cancelled`: no direct reply.
  auto r = co_await on_store(svc_.store, storage::cancel_assistant(svc_.store.pool(), who_.user_id, c.thread_id));
  if (!r.ok()) {
    db_error(c.ref, r.error);
    co_return;
  }
  if (!r.value->allowed) {
    error(c.ref, ErrorCode::forbidden, "you may not use this thread");
  } else if (r.value->jobs == 0) {
    error(c.ref, ErrorCode::not_found, "no assistant turn is running in this thread");
  }
}

void Session::renew_auth(const calls::RenewAuth& c) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto v = verify_jwt(c.access_token, jwt_keys(svc_.config), now);
  if (auto* why = std::get_if<std::string>(&v)) {
    log(Level::warn, "auth_refused", "session={} user={} reason={}", session_id_, who_.user_id, quoted(*why));
    error(c.ref, ErrorCode::unauthorized, *why);
    return;
  }
  auto& claims = std::get<Claims>(v);
  if (claims.sub != who_.user_id) {
    log(Level::warn, "auth_refused", "session={} user={} reason=\"token for another user\"", session_id_, who_.user_id);
    error(c.ref, ErrorCode::unauthorized, "the token is for another user");
    return;
  }
  who_.exp = claims.exp;
  arm_expiry();
  if (auto* s = sink()) s->authenticated(c.ref, claims.exp);
}

}  // namespace techpulse::gateway::realtime
