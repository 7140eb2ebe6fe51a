#pragma once
// One loop's slice of the subscription hub. Owned by that loop and used only on its thread, so the fan-out path
// takes no lock. A fan-out is one typed event (broadcast.hpp), shared by every recipient on every loop; each
// dialect's encoding of it is computed once and shared too.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "gateway/realtime/broadcast.hpp"
#include "gateway/realtime/event_run.hpp"
#include "protocol/frames.hpp"
#include "storage/listener.hpp"
#include "storage/xid_snapshot.hpp"

namespace techpulse::gateway::realtime {

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  virtual void push(const SharedEvent& event) = 0;
  // A whole run (EventRun::whole()) at once; the same as pushing its events one by one.
  virtual void push_run(const EventRun& run) {
    for (const auto& e : run.events()) push(e);
  }
  virtual const std::string& session_id() const = 0;
  virtual const std::string& user_id() const = 0;
  // Server shutdown: take no new work, let the sends in flight be acked, then close with 1001 "going away".
  virtual void drain() = 0;
  // Something that may change this user's access happened: re-check the subscriptions.
  virtual void recheck_access() = 0;
};

struct Subscription {
  Subscriber* owner = nullptr;
  protocol::TopicKind kind = protocol::TopicKind::thread;
  std::string key;  // the thread, ticket or user id
  // thread topics: the cursor of the last message given to this subscriber (or, before it is live, the replay
  // position). ticket topics: the same per thread of the ticket.
  int64_t last_seq = 0;
  std::unordered_map<std::string, int64_t> thread_seq;
  bool live = false;
  // Messages that arrive while the subscription is being set up: delivered after `subscribed`.
  struct Pending {
    std::string thread_id;
    int64_t seq;
    SharedEvent event;
  };
  std::vector<Pending> pending;
  size_t pending_bytes = 0;
  bool pending_overflow = false;
  // Past these the set-up reads the table again instead of buffering (the session sets them from its queue bounds).
  size_t max_pending = 4096;
  size_t max_pending_bytes = 1024 * 1024;

  void clear_pending() {
    pending.clear();
    pending_bytes = 0;
    pending_overflow = false;
  }

  // Delivers if this subscriber has not had this message yet (each message once, in cursor order).
  void offer(const std::string& thread_id, int64_t seq, const SharedEvent& event);
  // The same for each event of a run of `thread_id`, in order; a live subscriber that has had none of them takes
  // the run in one piece (Subscriber::push_run).
  void offer_run(const std::string& thread_id, const EventRun& run);

  // thread topics: the snapshot the set-up read the running assistant turn under, kept after going live until the
  // first assistant event it does not include. The listener's NOTIFY can arrive after the read saw its commit, so
  // such an event may reach the subscription live; NOTIFYs come in commit order, so once one is not included, no
  // later one is (Session::push applies it).
  std::optional<storage::XidSnapshot> assistant_seen;
  std::string snapshot_turn;  // the turn of the assistant.snapshot sent ("" when none was)
};

class ChannelMember;

class Hub {
 public:
  void add(const std::shared_ptr<Subscription>& sub);
  void remove(const std::shared_ptr<Subscription>& sub);
  // A message of a thread (and of its ticket, when it has one): event goes to thread:<id> subscribers,
  // ticket_event to ticket:<id> subscribers.
  struct Message {
    std::string thread_id, ticket_id;
    int64_t seq;
    SharedEvent event, ticket_event;
    std::chrono::steady_clock::time_point received;  // by the listener (techpulse_fanout_latency_seconds)
  };
  // A run of messages of one thread (and one ticket), in cursor order. Each subscriber is given the whole run
  // before the next one: its session, connection and queue are touched once per run while they are in cache,
  // rather than once per message after every other subscriber of the thread. Each topic's order is kept; only
  // the interleaving of a session's thread: and ticket: frames of one run differs (thread frames first).
  void deliver_messages(std::span<const Message> run);
  // Events without a cursor (ticket.updated, thread.updated, ...) to the live subscribers of one topic.
  void deliver_event(protocol::TopicKind kind, const std::string& key, const SharedEvent& event);
  // An assistant.* event: to the live subscribers of the thread, and to those of its ticket that do not also
  // subscribe to the thread (the event carries no topic, so a session gets it once). A thread subscription being
  // set up keeps it (Subscription::pending) for after its assistant.snapshot.
  void deliver_assistant(const std::string& thread_id, const std::string& ticket_id, const SharedEvent& event);
  void deliver_typing(const std::string& thread_id, const std::string& except_session, const SharedEvent& event);
  // Threads with live subscriptions (direct or through a ticket) and the lowest cursor delivered among them.
  std::vector<storage::ThreadCursor> live_threads() const;
  size_t subscription_count() const;

  // Supabase channels (channels.hpp): sessions watching rows get every RowEvent (the session keeps what its user
  // may see); channel members get their channel's broadcasts.
  void watch_rows(Subscriber* s) { row_watchers_.insert(s); }
  void unwatch_rows(Subscriber* s) { row_watchers_.erase(s); }
  void deliver_rows(const SharedEvent& event);
  void join_channel(const std::string& key, ChannelMember* m) { channels_[key].insert(m); }
  void leave_channel(const std::string& key, ChannelMember* m);
  void deliver_channel(const std::string& key, const SharedEvent& event);

  void add_session(Subscriber* s) { sessions_.insert(s); }
  void remove_session(Subscriber* s) { sessions_.erase(s); }
  const std::unordered_set<Subscriber*>& sessions() const { return sessions_; }
  // Sessions with a live subscription to this thread.
  std::vector<Subscriber*> thread_subscribers(const std::string& thread_id) const;

 private:
  using SubList = std::vector<std::shared_ptr<Subscription>>;
  std::unordered_map<std::string, SubList>& index(protocol::TopicKind kind);
  std::unordered_map<std::string, SubList> by_thread_, by_ticket_, by_user_, by_queue_;
  std::unordered_set<Subscriber*> sessions_;
  std::unordered_set<Subscriber*> row_watchers_;
  std::unordered_map<std::string, std::unordered_set<ChannelMember*>> channels_;
};

}  // namespace techpulse::gateway::realtime
