#pragma once
#include <atomic>
#include <boost/asio/steady_timer.hpp>

#include "storage/broadcast_channel.hpp"
#include "storage/chat_store.hpp"
#include "storage/row_changes.hpp"

namespace techpulse::storage {

struct ChatEvent {
  std::string thread_id;
  int64_t seq = 0;
  std::string ticket_id;  // empty when the thread has no ticket
  std::string message_json;
};

struct TypingEvent {
  std::string thread_id;
  std::string user_id;
  std::string session_id;
};

// An edit or delete of a message (tp_chat kinds u/d, see 007_conversation.sql): its cursor is the change's own,
// from the thread's counter, so subscriptions order and dedup it exactly like messages.
struct ChangeEvent {
  enum Kind : char { updated = 'u', deleted = 'd' };
  Kind kind = updated;
  std::string thread_id;
  int64_t seq = 0;        // the change's cursor
  std::string ticket_id;  // empty when the thread has no ticket
  std::string message_json;
};

// A read cursor moved forward (channel tp_read).
struct ReadEvent {
  std::string thread_id;
  std::string user_id;
  int64_t cursor = 0;
  std::string ticket_id;   // empty when the thread has no ticket
  std::string session_id;  // the session that sent the read (empty when written by SQL)
};

struct ThreadCursor {
  std::string thread_id;
  int64_t after = 0;  // deliver messages with seq > after
};

// What the listener feeds. Implemented by the gateway; called on the storage loop, per thread in cursor order.
class RealtimeSink {
 public:
  virtual ~RealtimeSink() = default;
  virtual void on_message(const ChatEvent& ev) = 0;
  // Between hold_messages() and release_messages() the messages and message changes given to the sink may wait to
  // be handed on, so that those of one read travel together; release_messages() hands on what waits. The listener
  // releases after each read's notifications and before anything that could overtake them (another channel, a
  // fetch).
  virtual void hold_messages() {}
  virtual void release_messages() {}
  virtual void on_typing(const TypingEvent& ev) = 0;
  // An edit or delete, in the thread's cursor order together with on_message (live and in the catch-up).
  virtual void on_message_change(const ChangeEvent& ev) {}
  virtual void on_read(const ReadEvent& ev) {}
  // A tp_presence message of any node (this one included), as sent (storage/presence_channel.hpp parses it).
  virtual void on_presence(const std::string& payload) {}
  // The threads that have live subscriptions, each with the lowest cursor delivered to them: what a catch-up after
  // a reconnect must fetch.
  virtual asio::awaitable<std::vector<ThreadCursor>> live_threads() = 0;
  // A ticket, work order or thread change (channel tp_event): kind is T, W, H, A or R (see 003_access.sql).
  virtual void on_event(char kind, const std::string& key, const std::string& json) = 0;
  // Something that can change who may use what (channel tp_access): kind 'u' (a profile) or 't' (a thread).
  virtual void on_access_change(char kind, const std::string& id) = 0;
  // After a reconnect: access notices may have been missed, so every session re-checks its subscriptions.
  virtual void on_resync() = 0;
  // An assistant.* event of a thread (channel tp_assistant), to the thread's subscribers (and its ticket's).
  // xid: the transaction that published it (a set-up's snapshot tells whether it already has it).
  virtual void on_assistant(const std::string& thread_id, const std::string& ticket_id, uint64_t xid,
                            const std::string& json) = 0;
  // A row change of a postgres_changes table (channel tp_row, 008_supabase.sql), whole rows, in commit order;
  // spilled rows are already fetched. Changes made while the listener was disconnected are not replayed.
  // Runs on the storage loop before the next notification is handled (so changes keep their order); false: it
  // could not complete (the database failed), and the listener reconnects.
  virtual asio::awaitable<bool> on_row_change(const RowChange& change) { co_return true; }
  // False while nobody on this node has a postgres_changes binding: tp_row notifications are then dropped unread
  // (no parse, no spill fetch), so the native path pays nothing for them but the NOTIFY itself.
  virtual bool wants_row_changes() const { return false; }
  // A broadcast published by any node (this one included; channel tp_broadcast), spilled envelopes fetched. Only
  // while wants_broadcasts(); never replayed.
  virtual void on_broadcast(const BroadcastMessage& message) {}
  virtual bool wants_broadcasts() const { return false; }
};

// The one LISTEN connection of this node. It survives PostgreSQL restarts: on a lost connection it backs off,
// reconnects, LISTENs again and catches up from the table before it reads new notifications, so a message
// committed while it was away still reaches the subscribers, in order.
class Listener {
 public:
  Listener(ChatStore& store, RealtimeSink& sink, std::string conninfo);
  void start();
  // On the storage loop. Closes the connection and cancels the backoff, so run() ends at once instead of staying
  // suspended (its frame would outlive this object when the executor is destroyed after it).
  void stop();

  // Odd while LISTEN is established; it changes on every disconnect and every reconnect. A subscription whose
  // snapshot was taken under an odd epoch that is still current cannot have missed a notification.
  uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }
  static bool listening(uint64_t epoch) { return epoch % 2 == 1; }

 private:
  asio::awaitable<void> run();
  asio::awaitable<bool> handle(const PgConn::Notification& n);
  asio::awaitable<bool> catch_up();

  ChatStore& store_;
  RowChangeStore rows_;
  BroadcastStore broadcasts_;
  RealtimeSink& sink_;
  PgConn conn_;
  asio::steady_timer backoff_;  // between reconnect attempts; stop() cancels it
  std::atomic<uint64_t> epoch_{0};
  bool stopped_ = false;
};

}  // namespace techpulse::storage
