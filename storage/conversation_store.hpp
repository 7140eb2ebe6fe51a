#pragma once
// The conversation features' SQL (007_conversation.sql): edits and deletes, a thread's events after a cursor (what
// `since` replays and the listener catches up), read state and unread counts, message search. Each function runs
// one statement on the pool, on the storage loop; authorization is inside the writing or reading statement.
#include <optional>
#include <string>
#include <vector>

#include "storage/pg_pool.hpp"

namespace techpulse::storage {

// One entry of a thread's order after a cursor.
struct ThreadEvent {
  enum Kind : char { message = 'm', updated = 'u', deleted = 'd' };
  int64_t cursor = 0;
  Kind kind = message;
  std::string message_id;
  std::string json;  // the message object (tp_message_json); a deleted one has empty content and deleted_at
};

struct ThreadEvents {
  bool exists = false;
  std::vector<ThreadEvent> events;  // cursor order
  int64_t last_seq = 0;             // the thread's newest cursor, same snapshot
  std::string ticket_id;            // the thread's ticket (when the link holds), else empty
  bool more = false;                // the page was full: more may follow its last cursor
};

// Messages with a cursor after `after` in their current version, and the latest change (edit, delete, hard delete)
// of any message whose change cursor is after `after`; cursor order, at most `limit`.
asio::awaitable<PgOutcome<ThreadEvents>> thread_events_after(PgPool& pool, std::string thread_id, int64_t after,
                                                             int limit);

// The outcome of message.edit / message.delete.
struct MessageChange {
  enum Status { ok, not_found, forbidden, gone } status = not_found;  // gone: edit of a deleted message
  bool duplicate = false;  // nothing changed: the same content, or a message deleted already
  std::string message_id;
  std::string thread_id;
  std::string ticket_id;
  int64_t cursor = 0;  // the change's cursor (for a duplicate: the message's latest one)
  std::string json;    // the message as it is now
  std::string at;      // edited_at or deleted_at
};

// Only the sender (who may still use the thread) or an admin may edit (tp_can_edit_message). not_found also when
// the caller cannot read the message's thread, so message ids cannot be probed.
asio::awaitable<PgOutcome<MessageChange>> edit_message(PgPool& pool, std::string user_id, std::string message_id,
                                                       std::string content);
// Soft delete: the sender, an admin, or the technician of the thread's ticket (tp_can_delete_message).
asio::awaitable<PgOutcome<MessageChange>> delete_message(PgPool& pool, std::string user_id, std::string message_id);

struct ReadOutcome {
  enum Status { ok, not_found, forbidden } status = not_found;
  int64_t cursor = 0;  // the stored read cursor (never lower than before)
  bool moved = false;  // it moved forward (then tp_read was notified)
};
// session_id names the caller's session in the tp_read notice, so that session is not told of its own read.
asio::awaitable<PgOutcome<ReadOutcome>> mark_read(PgPool& pool, std::string user_id, std::string thread_id,
                                                  int64_t cursor, std::string session_id);

struct ThreadSummary {
  std::string thread_id;
  int64_t cursor = 0;     // the thread's newest cursor
  int64_t unread = 0;     // messages from others after user's read cursor
  int64_t last_read = 0;  // user's read cursor
  std::string last_message_json;  // tp_last_message_json: an object or null
};
// For a ticket subscription: each thread of the ticket (whose link holds) as `user` sees it.
asio::awaitable<PgOutcome<std::vector<ThreadSummary>>> ticket_thread_summaries(PgPool& pool, std::string user_id,
                                                                               std::string ticket_id);
// The thread object with unread, last_read and last_message for this user (tp_thread_json_for); nullopt when the
// thread is gone.
asio::awaitable<PgOutcome<std::optional<std::string>>> thread_json_for(PgPool& pool, std::string user_id,
                                                                       std::string thread_id);

struct SearchHit {
  std::string message_id;
  std::string thread_id;
  int64_t cursor = 0;
  double rank = 0;
  std::string snippet;  // HTML-escaped, matches in <mark>...</mark>
  std::string message_json;
};
struct SearchPage {
  bool thread_found = true;    // false: thread_id given and the caller cannot read it (or it does not exist)
  std::vector<SearchHit> hits;  // best first
  bool has_more = false;
  std::string next_before;  // paging token: pass as `before` for the next page
};
// Full-text search (websearch_to_tsquery syntax) over the live messages of the threads user may read.
// before: empty, or a next_before token (a malformed one is a query error with SQLSTATE 22023).
asio::awaitable<PgOutcome<SearchPage>> search_messages(PgPool& pool, std::string user_id, std::string query,
                                                       std::string thread_id, int limit, std::string before);

}  // namespace techpulse::storage
