#include "gateway/realtime/fanout.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <unordered_map>

#include "gateway/realtime/presence.hpp"
#include "metrics/metrics.hpp"

namespace techpulse::gateway::realtime {

using protocol::TopicKind;

namespace {
// The most one run holds: a subscriber's queue takes a run's frames as one buffer (EventRun), which stays small
// (a fraction of the queue's bounds, and under malloc's mmap threshold) however large the backlog a drain finds.
constexpr size_t kMaxRun = 64;
constexpr size_t kMaxRunBytes = 64 * 1024;
}  // namespace

void Fanout::on_message(const storage::ChatEvent& ev) {
  // One event per topic and loop; each dialect encodes it once per loop, and the same bytes go to every subscriber
  // of that loop.
  std::optional<Event> ticket_event;
  if (!ev.ticket_id.empty()) ticket_event = MessageEvent{"ticket:" + ev.ticket_id, ev.seq, ev.message_json};
  to_inboxes(ev, MessageEvent{"thread:" + ev.thread_id, ev.seq, ev.message_json}, std::move(ticket_event));
}

void Fanout::on_message_change(const storage::ChangeEvent& ev) {
  // At the change's cursor, through the same inboxes: each subscription orders and dedups it like a message.
  const bool deleted = ev.kind == storage::ChangeEvent::deleted;
  std::optional<Event> ticket_event;
  if (!ev.ticket_id.empty()) ticket_event = ChangeEvent{"ticket:" + ev.ticket_id, ev.seq, deleted, ev.message_json};
  to_inboxes(storage::ChatEvent{ev.thread_id, ev.seq, ev.ticket_id, {}},
             ChangeEvent{"thread:" + ev.thread_id, ev.seq, deleted, ev.message_json}, std::move(ticket_event));
}

void Fanout::to_inboxes(const storage::ChatEvent& ev, Event event, std::optional<Event> ticket_event) {
  const auto received = std::chrono::steady_clock::now();
  auto events = make_events(std::move(event), loops_.size());
  std::vector<SharedEvent> ticket_events;
  if (ticket_event) ticket_events = make_events(std::move(*ticket_event), loops_.size());
  for (size_t i = 0; i < loops_.size(); ++i) {
    auto& loop = loops_[i];
    bool first;
    {
      std::lock_guard<std::mutex> g(loop->inbox_mutex);
      first = loop->inbox.empty();
      loop->inbox.push_back({ev.thread_id, ev.ticket_id, ev.seq, std::move(events[i]),
                             ticket_events.empty() ? SharedEvent{} : std::move(ticket_events[i]), received});
      loop->inbox_pending.store(loop->inbox.size(), std::memory_order_relaxed);
    }
    if (!first) continue;
    if (holding_) {
      held_.push_back(loop.get());
    } else {
      post_drain(loop.get());
    }
  }
}

void Fanout::release_messages() {
  holding_ = false;
  for (Loop* l : held_) post_drain(l);
  held_.clear();
}

void Fanout::post_drain(Loop* loop) {
  asio::post(loop->ioc, [l = loop] {
    std::vector<Loop::Delivery> batch;
    {
      std::lock_guard<std::mutex> g(l->inbox_mutex);
      batch.swap(l->inbox);
      l->inbox_pending.store(0, std::memory_order_relaxed);
    }
    // Consecutive messages of one thread (and ticket) go out as one run (of at most kMaxRun messages, and
    // kMaxRunBytes once a message would pass them): each subscriber takes them all at once. A message of another
    // thread ends the run; within one, every subscriber gets the messages (and changes) in order.
    for (size_t begin = 0; begin < batch.size();) {
      size_t end = begin + 1;
      size_t bytes = batch[begin].event->size_hint();
      while (end < batch.size() && end - begin < kMaxRun && batch[end].thread_id == batch[begin].thread_id &&
             batch[end].ticket_id == batch[begin].ticket_id) {
        bytes += batch[end].event->size_hint();
        if (bytes > kMaxRunBytes) break;
        ++end;
      }
      l->hub.deliver_messages(std::span<const Loop::Delivery>(batch.data() + begin, end - begin));
      // Every subscriber on this loop has the run's frames in its queue now.
      const auto now = std::chrono::steady_clock::now();
      for (size_t i = begin; i < end; ++i) {
        metrics::observe(metrics::Hist::fanout_seconds, std::chrono::duration<double>(now - batch[i].received).count());
      }
      begin = end;
    }
  });
}

void Fanout::on_read(const storage::ReadEvent& ev) {
  // To the thread's and its ticket's subscribers, and to the reader's other sessions on their user: topic; one
  // event per topic. The session that read is skipped by the session itself (ReadEvent::session_id).
  const size_t n = loops_.size();
  auto on_thread = make_events(ReadEvent{"thread:" + ev.thread_id, ev.thread_id, ev.user_id, ev.cursor, ev.session_id}, n);
  auto on_user = make_events(ReadEvent{"user:" + ev.user_id, ev.thread_id, ev.user_id, ev.cursor, ev.session_id}, n);
  std::vector<SharedEvent> on_ticket(n);
  if (!ev.ticket_id.empty()) {
    on_ticket = make_events(ReadEvent{"ticket:" + ev.ticket_id, ev.thread_id, ev.user_id, ev.cursor, ev.session_id}, n);
  }
  for (size_t i = 0; i < n; ++i) {
    asio::post(loops_[i]->ioc, [l = loops_[i].get(), ev, on_thread = std::move(on_thread[i]),
                                on_user = std::move(on_user[i]), on_ticket = std::move(on_ticket[i])] {
      l->hub.deliver_event(TopicKind::thread, ev.thread_id, on_thread);
      l->hub.deliver_event(TopicKind::user, ev.user_id, on_user);
      if (on_ticket) l->hub.deliver_event(TopicKind::ticket, ev.ticket_id, on_ticket);
    });
  }
}

void Fanout::on_presence(const std::string& payload) {
  if (presence_) presence_->on_message(payload);
}

void Fanout::on_event(char kind, const std::string& key, const std::string& json) {
  std::string_view type;
  TopicKind topic_kind;
  std::string_view field;
  switch (kind) {
    case 'T': type = "ticket.updated"; topic_kind = TopicKind::ticket; field = "ticket"; break;
    case 'W': type = "work_order.updated"; topic_kind = TopicKind::ticket; field = "work_order"; break;
    case 'H': type = "thread.updated"; topic_kind = TopicKind::user; field = "thread"; break;
    case 'A': type = "ticket.assigned"; topic_kind = TopicKind::user; field = "ticket"; break;
    case 'R': type = "ticket.unassigned"; topic_kind = TopicKind::user; field = "ticket"; break;
    // The support desk's queue (010_desk.sql): key is the queue's name.
    case 'Q': type = "ticket.queued"; topic_kind = TopicKind::queue; field = "ticket"; break;
    case 'C': type = "ticket.claimed"; topic_kind = TopicKind::queue; field = "ticket"; break;
    case 'D': type = "ticket.dequeued"; topic_kind = TopicKind::queue; field = "ticket"; break;
    default: return;
  }
  std::string topic = protocol::Topic{topic_kind, key}.str();
  if (kind == 'Q' && on_queued_) on_queued_(json);
  auto events = make_events(ObjectEvent{std::string(type), topic, std::string(field), json}, loops_.size());
  for (size_t i = 0; i < loops_.size(); ++i) {
    asio::post(loops_[i]->ioc, [l = loops_[i].get(), topic_kind, key, event = std::move(events[i])] {
      l->hub.deliver_event(topic_kind, key, event);
    });
  }
}

void Fanout::on_access_change(char kind, const std::string& id) {
  for (auto& loop : loops_) {
    asio::post(loop->ioc, [l = loop.get(), kind, id] {
      if (kind == 'u') {
        std::vector<Subscriber*> mine;
        for (auto* s : l->hub.sessions()) {
          if (s->user_id() == id) mine.push_back(s);
        }
        for (auto* s : mine) s->recheck_access();
      } else if (kind == 't') {
        for (auto* s : l->hub.thread_subscribers(id)) s->recheck_access();
      }
    });
  }
}

void Fanout::on_resync() {
  // Presence messages may have been missed too: ask every node for its state.
  if (presence_) presence_->resync();
  for (auto& loop : loops_) {
    asio::post(loop->ioc, [l = loop.get()] {
      std::vector<Subscriber*> all(l->hub.sessions().begin(), l->hub.sessions().end());
      for (auto* s : all) s->recheck_access();
    });
  }
}

void Fanout::on_assistant(const std::string& thread_id, const std::string& ticket_id, uint64_t xid,
                          const std::string& json) {
  auto events = make_events(AssistantEvent{std::make_shared<const std::string>(json), thread_id, xid}, loops_.size());
  for (size_t i = 0; i < loops_.size(); ++i) {
    asio::post(loops_[i]->ioc, [l = loops_[i].get(), thread_id, ticket_id, event = std::move(events[i])] {
      l->hub.deliver_assistant(thread_id, ticket_id, event);
    });
  }
}

void Fanout::on_typing(const storage::TypingEvent& ev) {
  auto events = make_events(TypingEvent{ev.thread_id, ev.user_id}, loops_.size());
  for (size_t i = 0; i < loops_.size(); ++i) {
    asio::post(loops_[i]->ioc, [l = loops_[i].get(), ev, event = std::move(events[i])] {
      l->hub.deliver_typing(ev.thread_id, ev.session_id, event);
    });
  }
}

asio::awaitable<std::vector<storage::ThreadCursor>> Fanout::live_threads() {
  std::unordered_map<std::string, int64_t> lowest;
  for (auto& loop : loops_) {
    auto part = co_await asio::co_spawn(
        loop->ioc,
        [l = loop.get()]() -> asio::awaitable<std::vector<storage::ThreadCursor>> { co_return l->hub.live_threads(); },
        asio::use_awaitable);
    for (auto& tc : part) {
      auto [it, inserted] = lowest.emplace(tc.thread_id, tc.after);
      if (!inserted) it->second = std::min(it->second, tc.after);
    }
  }
  std::vector<storage::ThreadCursor> out;
  for (auto& [t, s] : lowest) out.push_back({t, s});
  co_return out;
}

void Fanout::drain_all() {
  for (auto& loop : loops_) {
    asio::post(loop->ioc, [l = loop.get()] {
      auto sessions = l->hub.sessions();
      for (auto* s : sessions) s->drain();
    });
  }
}

}  // namespace techpulse::gateway::realtime
