#pragma once
// What the hub fans out: one typed event per message, shared by every recipient on every loop. A dialect turns it
// into its frame through an Encoder; the frame is computed once per event and dialect, by the first recipient that
// asks, and cached on the event, so every socket of that dialect writes the same bytes (no encoding, no copy per
// socket).
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <variant>
#include <vector>

namespace techpulse::gateway {

// Encoded bytes of one outbound frame, shared by every socket that writes it.
using Frame = std::shared_ptr<const std::string>;

}  // namespace techpulse::gateway

namespace techpulse::gateway::realtime {

// A chat message of a topic (thread:<id> or ticket:<id>), from the listener.
struct MessageEvent {
  std::string topic;
  int64_t seq = 0;
  std::string message_json;  // the message object, built by the database
};

// A row change without a cursor: ticket.updated, work_order.updated, thread.updated, ticket.assigned/unassigned.
struct ObjectEvent {
  std::string type;
  std::string topic;
  std::string field;  // the object's key in the event
  std::string object_json;
};

struct TypingEvent {
  std::string thread_id;
  std::string user_id;
};

// An assistant.* turn event. The worker (ai/) builds it already in techpulse.v1 form and every node fans it out
// unchanged; a dialect with another format re-wraps it.
struct AssistantEvent {
  Frame v1_json;
  std::string thread_id;
  uint64_t xid = 0;  // the transaction that published it: a subscription set-up drops those its snapshot includes
};

// An edit or delete of a message, at the change's cursor (it is offered like a message: same per-thread order).
struct ChangeEvent {
  std::string topic;
  int64_t seq = 0;
  bool deleted = false;
  std::string message_json;  // the message as it is after the change
};

// A user's read cursor moved (to the thread's and ticket's subscribers and the reader's user: topic).
struct ReadEvent {
  std::string topic;
  std::string thread_id;
  std::string user_id;
  int64_t cursor = 0;
  std::string session_id;  // the session that read: it is not told
};

// A user became present on, or left, a thread: or ticket: topic (presence.hpp).
struct PresenceEvent {
  std::string topic;
  bool join = true;
  std::string user_id;    // its own sessions are not told
  std::string meta_json;  // {"user_id","role","since"}; a Phoenix channel's: the tracked meta
  std::string ref;        // a Phoenix channel's presence: the track's phx_ref ("" for thread:/ticket:)
};

// A whole-row change of one of the tables Supabase's postgres_changes serves (tp_row, 008_supabase.sql), with the
// users of this node who may see it, as the native rules decided (tp_row_visible, once per change for every
// watching user). Only sessions that watch rows get it, and only if their user is in `visible`.
struct RowEvent {
  std::string table;
  char op = 'I';               // 'I', 'U' or 'D'
  std::string changed_at;      // YYYY-MM-DDTHH:MI:SS.MSZ
  std::string columns;         // [{"name","type"}, ...] of the table
  std::string record;          // JSON object text; "" for a DELETE
  std::string old_record;      // JSON object text; "" for an INSERT
  std::shared_ptr<const std::unordered_set<std::string>> visible;
};

// A user broadcast to the members of a channel (Supabase broadcast, from any node or the REST API).
struct ChannelEvent {
  std::string channel;         // the channel name (no "realtime:")
  std::string event;           // the user event
  bool is_private = false;     // for the members of the private channel only
  bool json = true;            // false: payload holds raw bytes
  std::string payload = "{}";
  std::string meta;            // "" or a JSON object
  std::string node, session;   // the sender (skipped unless it asked for self)
};

using Event = std::variant<MessageEvent, ObjectEvent, TypingEvent, AssistantEvent, ChangeEvent, ReadEvent, PresenceEvent,
                           RowEvent, ChannelEvent>;

// Implemented once per dialect, as one long-lived object. Each encoder gets its own cache slot on every Broadcast.
class Encoder {
 public:
  static constexpr unsigned kMaxEncoders = 4;
  Encoder();
  virtual ~Encoder() = default;
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;
  virtual Frame encode(const Event& event) const = 0;
  unsigned slot() const { return slot_; }

 private:
  unsigned slot_;
};

class Broadcast {
 public:
  explicit Broadcast(Event event) : event_(std::move(event)) {}
  const Event& event() const { return event_; }
  // This dialect's frame for the event: encoded on first use (on any loop), then shared.
  const Frame& encoded(const Encoder& enc) const {
    const unsigned s = enc.slot();
    if (ready_[s].load(std::memory_order_acquire)) return frames_[s];
    return encode_slow(enc);
  }
  // The transport's form of that frame: its payload behind the transport's own header (a WebSocket frame's), made by
  // `frame` from encoded(enc) on first use and then shared like it, so a fan-out writes each delivery as one buffer.
  // Every call for one encoder passes the same framer (the WebSocket session's). Null where encoded(enc) is.
  using Framer = Frame (*)(const Frame& payload);
  const Frame& framed(const Encoder& enc, Framer frame) const {
    const unsigned s = enc.slot();
    if (framed_ready_[s].load(std::memory_order_acquire)) return framed_[s];
    return frame_slow(enc, frame);
  }
  // About how many bytes the event takes (for the set-up buffer's bound).
  size_t size_hint() const;

 private:
  const Frame& encode_slow(const Encoder& enc) const;
  const Frame& frame_slow(const Encoder& enc, Framer frame) const;

  Event event_;
  mutable std::mutex mutex_;
  mutable std::array<std::atomic<bool>, Encoder::kMaxEncoders> ready_{};
  mutable std::array<Frame, Encoder::kMaxEncoders> frames_;
  mutable std::array<std::atomic<bool>, Encoder::kMaxEncoders> framed_ready_{};
  mutable std::array<Frame, Encoder::kMaxEncoders> framed_;
};

using SharedEvent = std::shared_ptr<const Broadcast>;

inline SharedEvent make_event(Event e) { return std::make_shared<const Broadcast>(std::move(e)); }

// One event for each of `loops` event loops, each with frames of its own. A socket's queue holds its Frame (a
// shared_ptr) until written, so a frame shared by two loops would have its reference count written by both threads
// on every delivery, a cache line bouncing between cores; with a copy per loop the loops share nothing per delivery.
// A copy costs one encode per loop and dialect.
std::vector<SharedEvent> make_events(Event e, size_t loops);

}  // namespace techpulse::gateway::realtime
