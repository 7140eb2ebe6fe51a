#pragma once
// What a realtime Session emits: typed replies, errors and events, to the Sink its caller (a dialect) provides,
// and how it sees the outbound queue under it (Flow).
// The dialect encodes them in its wire format and hands the bytes to its transport. Every call happens on the
// session's loop. After Session::close() the session calls nothing more on its sink.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/realtime/broadcast.hpp"
#include "gateway/realtime/event_run.hpp"
#include "protocol/frames.hpp"  // ErrorCode: the protocol's error codes, a plain enum

namespace techpulse::gateway::realtime {

using protocol::ErrorCode;

struct Welcome {
  std::string_view session_id;
  std::string_view user_id;
  std::string_view role;
  int heartbeat_ms = 0;
};

// Why the session ends the connection (the dialect maps it to its close code).
enum class CloseReason {
  going_away,     // server shutdown, after the drain
  token_expired,  // the token expired without renewal, or the profile is gone
};

// A thread of a ticket as the ticket's subscriber sees it (`subscribed` of a ticket topic).
struct TicketThread {
  std::string thread_id;
  int64_t cursor = 0;
  int64_t unread = 0;
  int64_t last_read = 0;
  std::string last_message_json;  // an object or null
};

struct SearchHit {
  std::string message_json;
  std::string thread_id;
  int64_t cursor = 0;
  double rank = 0;
  std::string snippet;  // HTML-escaped, matches in <mark>...</mark>
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void welcome(const Welcome& w) = 0;
  virtual void pong(std::string_view ref) = 0;
  virtual void error(std::string_view ref, ErrorCode code, std::string_view message) = 0;
  // cursor: thread topics only.
  virtual void subscribed(std::string_view ref, std::string_view topic, std::optional<int64_t> cursor) = 0;
  // ref empty and reason "forbidden": the session revoked the subscription.
  virtual void unsubscribed(std::string_view ref, std::string_view topic, std::string_view reason) = 0;
  // One message replayed to this session only (subscribe with since).
  virtual void replayed(std::string_view topic, int64_t seq, std::string_view message_json) = 0;
  // The send is committed (duplicate: an earlier send with its client_msg_id was; this names that message).
  virtual void ack(std::string_view ref, std::string_view thread_id, std::string_view message_id, int64_t cursor,
                   std::string_view created_at, bool duplicate) = 0;
  // A page of history, oldest first; next_before: the cursor of its oldest message. A page read forward (`after`)
  // has the same shape: has_more says newer messages exist, and next_before is the cursor of its newest message
  // (the `after` of the next page; the `after` asked for when the page is empty).
  virtual void history(std::string_view ref, std::string_view thread_id, const std::vector<std::string>& messages_json,
                       bool has_more, int64_t next_before) = 0;
  virtual void thread(std::string_view ref, std::string_view thread_json) = 0;
  // One message (MessageGet).
  virtual void message(std::string_view ref, std::string_view message_json) = 0;
  virtual void threads(std::string_view ref, const std::vector<std::string>& threads_json, bool has_more,
                       std::string_view next_before) = 0;
  virtual void authenticated(std::string_view ref, int64_t exp) = 0;
  // Conversation features (issue 14).
  // `subscribed` of a ticket topic, with the subscriber's view of each of its threads.
  virtual void ticket_subscribed(std::string_view ref, std::string_view topic, const std::vector<TicketThread>& threads) = 0;
  // An edit or delete replayed to this session only (subscribe with since).
  virtual void replayed_change(std::string_view topic, int64_t seq, bool deleted, std::string_view message_json) = 0;
  // The edit or delete is committed (duplicate: nothing changed; cursor is the message's latest change).
  virtual void change_ack(std::string_view ref, bool deleted, std::string_view message_id, std::string_view thread_id,
                          int64_t cursor, std::string_view at, bool duplicate) = 0;
  // The stored read cursor (never lower than before).
  virtual void read(std::string_view ref, std::string_view thread_id, std::string_view user_id, int64_t cursor) = 0;
  // Who is on the topic, right after `subscribed`: one list of metas per user (their sessions).
  virtual void presence_state(std::string_view topic, const std::vector<std::vector<std::string>>& metas_per_user) = 0;
  virtual void search_results(std::string_view ref, std::string_view query, const std::vector<SearchHit>& hits,
                              bool has_more, std::string_view next_before) = 0;
  // The support desk (issue 17).
  // The thread was handed off (duplicate: it already was); ticket_json: the ticket as the queue shows it, or null.
  virtual void handoff(std::string_view ref, std::string_view thread_id, std::string_view ticket_id, bool created,
                       bool duplicate, std::string_view ticket_json) = 0;
  // ticket.claim / ticket.assign succeeded.
  virtual void ticket(std::string_view ref, std::string_view ticket_json, bool duplicate) = 0;
  // analytics.summary (admins).
  virtual void analytics(std::string_view ref, std::string_view summary_json) = 0;
  // `subscribed` of the queue topic, with the queued tickets (a JSON array).
  virtual void queue_subscribed(std::string_view ref, std::string_view topic, std::string_view tickets_json) = 0;
  // The thread's running assistant turn as the subscription found it, right after `subscribed` (and presence):
  // the text of its deltas 0..index (index -1: none yet). Then come only the turn's later events.
  virtual void assistant_snapshot(std::string_view thread_id, std::string_view turn_id, std::string_view in_reply_to,
                                  int64_t index, std::string_view text) = 0;
  // A fan-out event shared by every recipient: the dialect writes its cached encoding (Broadcast::encoded).
  virtual void deliver(const SharedEvent& event) = 0;
  // A whole run of them (EventRun::whole()), in order: the same as delivering each, which a dialect without a
  // joined form does.
  virtual void deliver_run(const EventRun& run) {
    for (const auto& e : run.events()) deliver(e);
  }
  virtual void close(CloseReason reason, std::string_view why) = 0;
};

// The outbound queue under a session, as the core sees it (its transport implements it): a replay waits while
// there is no room; the drain closes once it is idle.
class Flow {
 public:
  virtual ~Flow() = default;
  // The queue is at most half full.
  virtual bool has_room() const = 0;
  // Nothing is queued.
  virtual bool idle() const = 0;
  // From now on, Session::output_idle() is called each time the queue becomes empty.
  virtual void notify_when_idle() = 0;
};

}  // namespace techpulse::gateway::realtime
