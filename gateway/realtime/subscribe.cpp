// Subscribing, once for every topic kind. The subscription joins the hub first, buffering what arrives; then the
// set-up takes a snapshot of the topic (authorization and cursors) and, with `since`, replays from the table. The
// listener's epoch is odd while LISTEN is established and changes on every disconnect and reconnect: a set-up that
// ran under one odd epoch, still current, with its buffer not overflowed, cannot have missed a message. Otherwise it
// waits for the listener and reads again from its cursor. Then `subscribed`, live, and the buffer is flushed (the
// subscription's cursors drop what it already has), so `subscribed` means live and nothing arrives twice.
// A thread's running assistant turn follows the same pattern: its events are buffered too, each round reads the turn
// (its text so far, under a database snapshot), and after `subscribed` come the assistant.snapshot and only the
// buffered events that snapshot does not include (docs/assistant.md, "Late joiners").
#include <boost/asio/redirect_error.hpp>
#include <fmt/format.h>

#include "gateway/log.hpp"
#include "gateway/realtime/coalesced_reads.hpp"
#include "gateway/realtime/on_store.hpp"
#include "gateway/realtime/presence.hpp"
#include "gateway/realtime/session.hpp"
#include "metrics/metrics.hpp"
#include "storage/assistant_store.hpp"
#include "storage/conversation_store.hpp"

namespace techpulse::gateway::realtime {

// One subscription being set up.
struct Session::SetUp {
  std::shared_ptr<Subscription> sub;
  std::string name;
  protocol::Topic topic;
  std::string ref;
  bool replay = false;
  int64_t cursor = 0;  // thread topics: the position read up to
  std::chrono::steady_clock::time_point deadline;  // a stall longer than db_timeout_ms ends the set-up
  std::vector<TicketThread> threads;  // ticket topics: each thread as this subscriber sees it
  std::vector<std::vector<std::string>> present;  // who is on the topic, when this session was tracked
  std::optional<storage::TurnSnapshot> turn;  // thread topics: the running assistant turn, as the last round read it
};

std::shared_ptr<Subscription> Session::register_subscription(const std::string& name, const protocol::Topic& topic) {
  auto sub = std::make_shared<Subscription>();
  sub->owner = this;
  sub->kind = topic.kind;
  sub->key = topic.id;
  // What arrives during set-up fits in the outbound queue next to a half-full replay; beyond that it is re-read.
  sub->max_pending = std::max<size_t>(1, svc_.config.max_queue_frames / 4);
  sub->max_pending_bytes = std::max<size_t>(1, svc_.config.max_queue_bytes / 4);
  subs_[name] = sub;
  loop_.hub.add(sub);
  return sub;
}

void Session::abandon(const SetUp& s) {
  loop_.hub.remove(s.sub);
  subs_.erase(s.name);
  untrack(s.name);
  // The hub held the thread's assistant events back from this session's ticket: subscription while the thread's
  // was being set up (hub.cpp); that subscription has them after all.
  for (const auto& p : s.sub->pending) {
    const auto* a = std::get_if<AssistantEvent>(&p.event->event());
    if (a && ticket_covers(a->thread_id)) push(p.event);
  }
}

bool Session::ticket_covers(const std::string& thread_id) const {
  for (const auto& [name, sub] : subs_) {
    if (sub->kind == protocol::TopicKind::ticket && sub->live && sub->thread_seq.count(thread_id)) return true;
  }
  return false;
}

asio::awaitable<void> Session::subscribe(const calls::Subscribe& c) {
  auto topic = protocol::parse_topic(c.topic);
  if (!topic) {
    error(c.ref, ErrorCode::bad_request, "topic must be thread:<uuid>, ticket:<uuid>, user:<uuid> or queue:support");
    co_return;
  }
  if (topic->kind != protocol::TopicKind::thread && c.since) {
    error(c.ref, ErrorCode::bad_request, "since is only supported on thread:<uuid> topics");
    co_return;
  }
  std::string name = topic->str();
  if (subs_.count(name)) {
    error(c.ref, ErrorCode::conflict, "already subscribed to this topic");
    co_return;
  }
  if (subs_.size() >= svc_.config.max_subscriptions) {
    error(c.ref, ErrorCode::too_large,
          fmt::format("a session may hold at most {} subscriptions", svc_.config.max_subscriptions));
    co_return;
  }
  if (topic->kind == protocol::TopicKind::queue) {
    co_await subscribe_queue(c, name, *topic);
    co_return;
  }
  if (topic->kind == protocol::TopicKind::user) {
    // Nothing to snapshot or replay: the topic carries only events of this user's own rows.
    if (topic->id != who_.user_id) {
      log(Level::warn, "forbidden", "session={} user={} topic={}", session_id_, who_.user_id, name);
      error(c.ref, ErrorCode::forbidden, "user:<uuid> topics are only open to that user");
      co_return;
    }
    // `subscribed` means live for this topic too: the listener must be listening (a gateway that just started, or
    // whose LISTEN connection is reconnecting, is not yet), or an event committed after the reply would be lost.
    auto sub = register_subscription(name, *topic);
    sub->live = true;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(svc_.config.db_timeout_ms);
    while (!storage::Listener::listening(svc_.listener.epoch())) {
      if (std::chrono::steady_clock::now() > deadline) {
        loop_.hub.remove(sub);
        subs_.erase(name);
        error(c.ref, ErrorCode::unavailable, "realtime delivery is reconnecting to the database; retry");
        co_return;
      }
      co_await pause(std::chrono::milliseconds(20));
      if (closing_) co_return;
    }
    metrics::subscribed(metrics::TopicKind::user);
    if (auto* s = sink()) s->subscribed(c.ref, name, std::nullopt);
    co_return;
  }

  // An access change noticed during the set-up is re-checked once the subscription is live (a re-check looks at
  // live subscriptions only, and the set-up's own check may have come before the change).
  const uint64_t access_notices = access_notices_;
  SetUp s{register_subscription(name, *topic), name, *topic, c.ref, false, 0,
          std::chrono::steady_clock::now() + std::chrono::milliseconds(svc_.config.db_timeout_ms), {}, {}, {}};
  auto epoch = svc_.listener.epoch();
  if (co_await snapshot(s) != Step::ok) co_return;
  if (c.since) {
    if (*c.since > s.cursor) {
      abandon(s);
      error(c.ref, ErrorCode::bad_request, "since is ahead of the thread's newest message");
      co_return;
    }
    s.cursor = *c.since;
    s.replay = true;
  }
  const bool thread = topic->kind == protocol::TopicKind::thread;
  bool need_round = s.replay;
  for (;;) {
    if (need_round && co_await read_from_cursor(s) != Step::ok) co_return;
    need_round = false;
    // After the subscription joined the hub (so every assistant event published after this read is buffered) and
    // again each round (a listener outage loses events; the table has the text).
    if (thread && co_await read_turn(s) != Step::ok) co_return;
    // Presence: tracked as the last step before going live, so the state read with it is followed, on this loop,
    // by every later presence change (none is posted while the subscription is not live yet). Again each round:
    // tracking a session twice changes nothing.
    if (svc_.presence) {
      tracked_.insert(s.name);
      auto meta = presence_meta(who_.user_id, who_.role);
      auto track = svc_.presence->track(s.name, who_.user_id, session_id_, std::move(meta));
      s.present = co_await std::move(track);
      if (closing_) co_return;
    }
    auto now_epoch = svc_.listener.epoch();
    if (storage::Listener::listening(epoch) && now_epoch == epoch && !s.sub->pending_overflow) break;
    // The listener was not listening for part of the time: what it missed is in the table. Wait for it to be
    // back, then read once more from the cursor.
    if (std::chrono::steady_clock::now() > s.deadline) {
      abandon(s);
      error(c.ref, ErrorCode::unavailable, "realtime delivery is reconnecting to the database; retry");
      co_return;
    }
    if (!storage::Listener::listening(now_epoch)) {
      co_await pause(std::chrono::milliseconds(50));
      if (closing_) co_return;
      continue;
    }
    epoch = now_epoch;
    s.sub->clear_pending();
    need_round = true;
  }
  metrics::subscribed(thread ? metrics::TopicKind::thread : metrics::TopicKind::ticket);
  if (auto* k = sink()) {
    if (thread) {
      k->subscribed(c.ref, name, s.cursor);
    } else {
      k->ticket_subscribed(c.ref, name, s.threads);
    }
    if (svc_.presence) k->presence_state(name, s.present);
  }
  if (thread) s.sub->last_seq = s.cursor;
  s.sub->live = true;
  if (s.turn) {
    s.sub->assistant_seen = s.turn->seen;
    s.sub->snapshot_turn = s.turn->running ? s.turn->turn_id : std::string();
  }
  if (s.turn && s.turn->running) {
    if (auto* k = sink()) k->assistant_snapshot(s.topic.id, s.turn->turn_id, s.turn->in_reply_to, s.turn->index, s.turn->text);
  }
  auto pending = std::move(s.sub->pending);
  s.sub->clear_pending();
  for (auto& p : pending) {
    // Assistant events go through push, which drops those the turn's read already holds (assistant_seen).
    if (std::holds_alternative<AssistantEvent>(p.event->event())) push(p.event);
    else s.sub->offer(p.thread_id, p.seq, p.event);
  }
  if (access_notices_ != access_notices) recheck_access();
}

bool Session::assistant_event_wanted(const AssistantEvent& a) {
  auto it = subs_.find("thread:" + a.thread_id);
  if (it == subs_.end() || !it->second->live || !it->second->assistant_seen) return true;
  auto& sub = *it->second;
  if (!sub.assistant_seen->includes(a.xid)) {
    sub.assistant_seen.reset();  // commit order: no later event is included either
    return true;
  }
  // Committed before the turn was read: its delta is in the snapshot's text, or its turn had ended by then. Except
  // what the hub held back from this session's ticket: subscription while the thread's was set up: the client
  // followed the turn there, and only the snapshot's own turn is replaced by the snapshot.
  if (!ticket_covers(a.thread_id) || !a.v1_json) return false;
  return sub.snapshot_turn.empty() || a.v1_json->find(sub.snapshot_turn) == std::string::npos;
}

// The thread's running assistant turn and the snapshot it was read under.
asio::awaitable<Session::Step> Session::read_turn(SetUp& s) {
  // Shared with the thread's other subscribers being set up (coalesced_reads.hpp); read after this one registered.
  auto t = co_await on_store(svc_.store, svc_.reads->running_turn(s.topic.id));
  if (closing_) co_return Step::closed;
  if (!t.ok()) {
    abandon(s);
    db_error(s.ref, t.error);
    co_return Step::failed;
  }
  s.turn = std::move(*t.value);
  co_return Step::ok;
}

// Authorizes the topic and reads its cursors in one statement: a thread's last_seq, or each thread of a ticket.
asio::awaitable<Session::Step> Session::snapshot(SetUp& s) {
  auto& store = svc_.store;
  const bool thread = s.topic.kind == protocol::TopicKind::thread;
  std::optional<storage::PgError> failed;
  bool exists = false, allowed = false;
  // Both statements answer exists/allowed; true when the values can be read.
  auto verdict = [&](const auto& access) {
    if (!access.ok()) {
      failed = access.error;
      return false;
    }
    exists = access.value->exists;
    allowed = access.value->allowed;
    return true;
  };
  if (thread) {
    auto access = co_await on_store(store, svc_.reads->thread_access(who_.user_id, s.topic.id));
    if (closing_) co_return Step::closed;
    if (verdict(access)) s.cursor = access.value->last_seq;
  } else {
    auto access = co_await on_store(store, store.ticket_access(who_.user_id, s.topic.id));
    if (closing_) co_return Step::closed;
    if (verdict(access)) {
      s.sub->thread_seq.clear();
      for (auto& [t, seq] : access.value->threads) s.sub->thread_seq[t] = seq;
    }
    if (!failed && exists && allowed) {
      // Each thread's unread count for this subscriber. Read after the cursors: a message counted here is not also
      // delivered (the thread's cursor moves up to the one this read saw).
      auto sums = co_await on_store(store, storage::ticket_thread_summaries(store.pool(), who_.user_id, s.topic.id));
      if (closing_) co_return Step::closed;
      if (!sums.ok()) {
        failed = sums.error;
      } else {
        s.threads.clear();
        for (auto& t : *sums.value) {
          auto& seq = s.sub->thread_seq[t.thread_id];
          seq = std::max(seq, t.cursor);
          s.threads.push_back(TicketThread{t.thread_id, seq, t.unread, t.last_read, std::move(t.last_message_json)});
        }
      }
    }
  }
  if (failed || !exists || !allowed) abandon(s);
  if (failed) {
    db_error(s.ref, *failed);
  } else if (!exists) {
    error(s.ref, ErrorCode::not_found, thread ? "thread not found" : "ticket not found");
  } else if (!allowed) {
    log(Level::warn, "forbidden", "session={} user={} topic={}", session_id_, who_.user_id, s.name);
    error(s.ref, ErrorCode::forbidden,
          thread ? "you may not subscribe to this thread"
                 : "only the assigned technician and admins may subscribe to this ticket");
  } else {
    co_return Step::ok;
  }
  co_return Step::failed;
}

// Brings the set-up up to date with the table. A thread pages through its messages after the cursor (sending them
// with replay), until a page is short; a ticket takes its snapshot again.
asio::awaitable<Session::Step> Session::read_from_cursor(SetUp& s) {
  if (s.topic.kind != protocol::TopicKind::thread) co_return co_await snapshot(s);
  for (;;) {
    // Messages and the edits and deletes of any message after the cursor, in the thread's order (docs/protocol.md,
    // "What since replays"); one read serves every subscriber of the thread waiting for a page (coalesced_reads.hpp).
    auto page = co_await on_store(svc_.store, svc_.reads->events_after(s.topic.id, s.cursor));
    if (closing_) co_return Step::closed;
    if (!page.ok()) {
      abandon(s);
      db_error(s.ref, page.error);
      co_return Step::failed;
    }
    for (auto& e : page.value->events) {
      if (s.replay) {
        if (!flow_.has_room()) co_await wait_for_room();
        if (closing_) co_return Step::closed;
        if (e.kind == storage::ThreadEvent::message) {
          sink_->replayed(s.name, e.cursor, e.json);
        } else {
          sink_->replayed_change(s.name, e.cursor, e.kind == storage::ThreadEvent::deleted, e.json);
        }
      }
      s.cursor = e.cursor;
    }
    if (closing_) co_return Step::closed;
    // A long replay at the client's pace is progress, not a stall: the deadline counts from the last page.
    if (!page.value->events.empty()) {
      s.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(svc_.config.db_timeout_ms);
    }
    if (!page.value->more) {
      s.cursor = std::max(s.cursor, page.value->last_seq);
      co_return Step::ok;
    }
  }
}

void Session::unsubscribe(const calls::Unsubscribe& c) {
  auto topic = protocol::parse_topic(c.topic);
  if (!topic) {
    error(c.ref, ErrorCode::bad_request, "topic must be thread:<uuid>, ticket:<uuid>, user:<uuid> or queue:support");
    return;
  }
  auto it = subs_.find(topic->str());
  if (it == subs_.end()) {
    error(c.ref, ErrorCode::not_found, "not subscribed to this topic");
    return;
  }
  if (!it->second->live) {
    error(c.ref, ErrorCode::conflict, "the subscription is still being set up");
    return;
  }
  loop_.hub.remove(it->second);
  subs_.erase(it);
  untrack(topic->str());
  if (auto* s = sink()) s->unsubscribed(c.ref, topic->str(), {});
}

asio::awaitable<void> Session::pause(std::chrono::milliseconds d) {
  asio::steady_timer t(loop_.ioc, d);
  boost::system::error_code ec;
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> Session::wait_for_room() {
  // Replay pages go out at the pace the client reads. Bounded by the transport: a client that stops reading stops
  // answering pings and is closed by the idle timeout, which closes this session.
  while (!closing_ && !flow_.has_room()) co_await pause(std::chrono::milliseconds(2));
}

}  // namespace techpulse::gateway::realtime
