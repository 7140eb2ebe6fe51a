#include "gateway/realtime/hub.hpp"

#include "gateway/realtime/channels.hpp"

#include <algorithm>

#include "metrics/metrics.hpp"

namespace techpulse::gateway::realtime {

using protocol::TopicKind;

void Subscription::offer(const std::string& thread_id, int64_t seq, const SharedEvent& event) {
  if (!live) {
    const size_t bytes = event->size_hint();
    if (pending_overflow || pending.size() >= max_pending || pending_bytes + bytes > max_pending_bytes) {
      pending_overflow = true;  // the set-up reads these from the table instead
    } else {
      pending.push_back({thread_id, seq, event});
      pending_bytes += bytes;
    }
    return;
  }
  int64_t& last = kind == TopicKind::thread ? last_seq : thread_seq[thread_id];
  if (seq <= last) return;
  last = seq;
  owner->push(event);
}

void Subscription::offer_run(const std::string& thread_id, const EventRun& run) {
  if (live && run.whole()) {
    int64_t& last = kind == TopicKind::thread ? last_seq : thread_seq[thread_id];
    if (run.first_seq() > last) {
      last = run.last_seq();
      owner->push_run(run);
      return;
    }
  }
  // Being set up, or some of the run already had (or not a whole run): event by event, as offer decides.
  const auto events = run.events();
  for (std::size_t i = 0; i < events.size(); ++i) offer(thread_id, run.seq(i), events[i]);
}

std::unordered_map<std::string, Hub::SubList>& Hub::index(TopicKind kind) {
  return kind == TopicKind::thread   ? by_thread_
         : kind == TopicKind::ticket ? by_ticket_
         : kind == TopicKind::queue  ? by_queue_
                                     : by_user_;
}

namespace {

metrics::TopicKind counted_kind(protocol::TopicKind k) {
  switch (k) {
    case protocol::TopicKind::thread: return metrics::TopicKind::thread;
    case protocol::TopicKind::ticket: return metrics::TopicKind::ticket;
    case protocol::TopicKind::queue: return metrics::TopicKind::queue;
    case protocol::TopicKind::user: break;
  }
  return metrics::TopicKind::user;
}

}  // namespace

void Hub::add(const std::shared_ptr<Subscription>& sub) {
  index(sub->kind)[sub->key].push_back(sub);
  metrics::subscriptions(counted_kind(sub->kind), +1);
}

void Hub::remove(const std::shared_ptr<Subscription>& sub) {
  auto& idx = index(sub->kind);
  auto it = idx.find(sub->key);
  if (it == idx.end()) return;
  auto& v = it->second;
  auto gone = std::remove(v.begin(), v.end(), sub);
  if (gone != v.end()) metrics::subscriptions(counted_kind(sub->kind), -static_cast<int64_t>(v.end() - gone));
  v.erase(gone, v.end());
  if (v.empty()) idx.erase(it);
}

void Hub::deliver_messages(std::span<const Message> run) {
  if (run.empty()) return;
  const Message& first = run.front();
  // Copies: a push may close a session (slow consumer), which removes its subscriptions from these lists.
  if (auto it = by_thread_.find(first.thread_id); it != by_thread_.end()) {
    auto subs = it->second;
    std::vector<SharedEvent> events;
    std::vector<int64_t> seqs;
    events.reserve(run.size());
    seqs.reserve(run.size());
    for (const auto& m : run) {
      events.push_back(m.event);
      seqs.push_back(m.seq);
    }
    const EventRun events_run(std::move(events), std::move(seqs));
    for (const auto& sub : subs) sub->offer_run(first.thread_id, events_run);
  }
  if (!first.ticket_id.empty()) {
    if (auto it = by_ticket_.find(first.ticket_id); it != by_ticket_.end()) {
      auto subs = it->second;
      std::vector<SharedEvent> events;
      std::vector<int64_t> seqs;
      for (const auto& m : run) {
        if (!m.ticket_event) continue;
        events.push_back(m.ticket_event);
        seqs.push_back(m.seq);
      }
      if (!events.empty()) {
        const EventRun ticket_run(std::move(events), std::move(seqs));
        for (const auto& sub : subs) sub->offer_run(first.thread_id, ticket_run);
      }
    }
  }
}

void Hub::deliver_event(TopicKind kind, const std::string& key, const SharedEvent& event) {
  auto& idx = index(kind);
  auto it = idx.find(key);
  if (it == idx.end()) return;
  auto subs = it->second;
  for (const auto& sub : subs) {
    if (sub->live) {
      sub->owner->push(event);
    } else if (kind == TopicKind::queue) {
      // A queue subscription being set up keeps what arrives, in order, for after its snapshot (each event
      // carries its ticket's whole state, so applying it after a newer snapshot converges).
      sub->offer({}, 0, event);
    }
  }
}

void Hub::deliver_assistant(const std::string& thread_id, const std::string& ticket_id, const SharedEvent& event) {
  std::unordered_set<Subscriber*> sent;
  if (auto it = by_thread_.find(thread_id); it != by_thread_.end()) {
    auto subs = it->second;
    for (const auto& sub : subs) {
      if (!sent.insert(sub->owner).second) continue;
      if (sub->live) {
        sub->owner->push(event);
      } else {
        // Kept for the set-up, which sends the turn's snapshot and then only what the snapshot does not hold
        // (subscribe.cpp); the session's ticket: subscription, if it has one, leaves the event to it.
        sub->offer(thread_id, 0, event);
      }
    }
  }
  if (!ticket_id.empty()) {
    if (auto it = by_ticket_.find(ticket_id); it != by_ticket_.end()) {
      auto subs = it->second;
      for (const auto& sub : subs) {
        if (sub->live && sent.insert(sub->owner).second) sub->owner->push(event);
      }
    }
  }
}

void Hub::deliver_typing(const std::string& thread_id, const std::string& except_session, const SharedEvent& event) {
  auto it = by_thread_.find(thread_id);
  if (it == by_thread_.end()) return;
  auto subs = it->second;
  for (const auto& sub : subs) {
    if (sub->live && sub->owner->session_id() != except_session) sub->owner->push(event);
  }
}

std::vector<storage::ThreadCursor> Hub::live_threads() const {
  std::unordered_map<std::string, int64_t> lowest;
  auto note = [&](const std::string& thread, int64_t seq) {
    auto [it, inserted] = lowest.emplace(thread, seq);
    if (!inserted) it->second = std::min(it->second, seq);
  };
  for (const auto& [thread, subs] : by_thread_) {
    for (const auto& s : subs) {
      if (s->live) note(thread, s->last_seq);
    }
  }
  for (const auto& [ticket, subs] : by_ticket_) {
    for (const auto& s : subs) {
      if (!s->live) continue;
      for (const auto& [thread, seq] : s->thread_seq) note(thread, seq);
    }
  }
  std::vector<storage::ThreadCursor> out;
  for (auto& [t, s] : lowest) out.push_back({t, s});
  return out;
}

size_t Hub::subscription_count() const {
  size_t n = 0;
  for (const auto* idx : {&by_thread_, &by_ticket_, &by_user_, &by_queue_}) {
    for (const auto& [k, v] : *idx) n += v.size();
  }
  return n;
}

std::vector<Subscriber*> Hub::thread_subscribers(const std::string& thread_id) const {
  std::vector<Subscriber*> out;
  if (auto it = by_thread_.find(thread_id); it != by_thread_.end()) {
    for (const auto& s : it->second) out.push_back(s->owner);
  }
  return out;
}

void Hub::deliver_rows(const SharedEvent& event) {
  // A session may leave the set while it is told (its sink closes a channel): iterate a copy.
  std::vector<Subscriber*> all(row_watchers_.begin(), row_watchers_.end());
  for (auto* s : all) {
    if (row_watchers_.count(s)) s->push(event);
  }
}

void Hub::leave_channel(const std::string& key, ChannelMember* m) {
  auto it = channels_.find(key);
  if (it == channels_.end()) return;
  it->second.erase(m);
  if (it->second.empty()) channels_.erase(it);
}

void Hub::deliver_channel(const std::string& key, const SharedEvent& event) {
  auto it = channels_.find(key);
  if (it == channels_.end()) return;
  std::vector<ChannelMember*> all(it->second.begin(), it->second.end());
  for (auto* m : all) {
    auto again = channels_.find(key);
    if (again != channels_.end() && again->second.count(m)) m->on_channel_event(event);
  }
}

}  // namespace techpulse::gateway::realtime
