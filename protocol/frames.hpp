#pragma once
// protocol: the techpulse.v1 wire format (../shared/design/protocol-v1.md). Parses and validates client frames
// and encodes server events. Pure functions and value types: no I/O, no database, no sockets.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace techpulse::protocol {

enum class FrameType {
  subscribe,
  unsubscribe,
  send,
  history,
  typing,
  thread_create,
  thread_update,
  threads_list,
  assistant_cancel,
  ping,
  auth,
  // conversation_frames.hpp
  message_edit,
  message_delete,
  read,
  search,
  // desk_frames.hpp
  handoff,
  ticket_claim,
  ticket_assign,
  analytics_summary,
};

std::string_view to_string(FrameType t);

// Error codes of protocol-v1.
enum class ErrorCode {
  bad_request,
  unknown_type,
  unauthorized,
  forbidden,
  not_found,
  conflict,
  rate_limited,
  too_large,
  unavailable,
  internal,
};

std::string_view to_string(ErrorCode c);

struct ProtocolError {
  ErrorCode code;
  std::string message;
  std::string ref;  // the frame's ref when it could be read, so the error still answers the right request
  std::string type{};  // the frame's type when it could be read ("send": a send refused as invalid)
};

// queue: the support desk's queue, `queue:support` (the only queue; its id is the name, not a UUID).
enum class TopicKind { thread, ticket, user, queue };

struct Topic {
  TopicKind kind;
  std::string id;  // a UUID, lower-case
  std::string str() const;
};

// Parses "thread:<uuid>", "ticket:<uuid>", "user:<uuid>" or "queue:support"; nullopt for anything else.
std::optional<Topic> parse_topic(std::string_view s);

// What each limit counts (docs/protocol.md, "Field limits", says the same): ids and names a person types are
// counted in characters (Unicode code points), whatever their UTF-8 length; what only protects memory is counted
// in bytes. Strings are measured after JSON unescaping ("\u00e9" is one character, two bytes).
constexpr size_t kMaxRefChars = 64;
// No value deeper than this: the frame object is level 1, its fields level 2, and so on.
constexpr size_t kMaxDepth = 32;

struct Limits {
  size_t max_content_bytes = 60 * 1024;  // UTF-8 bytes
  size_t max_title_chars = 200;          // code points
  size_t max_metadata_bytes = 8 * 1024;  // bytes of the object's compact JSON (as `ClientFrame::metadata` holds it)
  size_t max_client_msg_id_chars = 128;  // code points (the database's CHECK counts the same)
  size_t max_access_token_bytes = 8 * 1024;
};

// Unicode code points in valid UTF-8 text.
size_t utf8_length(std::string_view s);

// One client frame, validated. Only the fields of its type are set.
struct ClientFrame {
  FrameType type{};
  std::string ref;
  std::string topic;           // subscribe, unsubscribe
  std::optional<int64_t> since;  // subscribe
  std::string thread_id;       // send, history, typing, thread.update, assistant.cancel
  std::string content;         // send
  std::string message_type = "text";
  std::string metadata = "{}";  // send: raw JSON object text
  std::string client_msg_id;   // send (empty: none)
  std::optional<int64_t> before;  // history, threads.list (a cursor)
  std::optional<int64_t> after;   // history: read forward from this cursor
  std::string before_token;    // threads.list: opaque paging token
  int limit = 50;              // history, threads.list
  std::optional<std::string> title;  // thread.create, thread.update
  std::string ticket_id;       // thread.create, thread.update (empty: none)
  bool ticket_id_set = false;  // thread.update: ticket_id was given (a UUID links, null unlinks)
  std::optional<bool> assistant;  // thread.create, thread.update
  std::string access_token;    // auth
  std::string message_id;      // message.edit, message.delete
  std::optional<int64_t> cursor;  // read
  std::string query;           // search (thread_id optional, before_token its paging token)
  std::string reason;          // handoff (thread_id; empty: none)
  std::string technician_id;   // ticket.assign (ticket_id)
  std::string from, to;        // analytics.summary (RFC 3339; empty: the default range)
};

using ParseResult = std::variant<ClientFrame, ProtocolError>;

// Parses one text frame. Never throws: malformed JSON, a missing or mistyped field and an unknown type all come
// back as a ProtocolError the session turns into an `error` event.
ParseResult parse_client_frame(std::string_view text, const Limits& limits = {});

// The same rules for another dialect's request (the HTTP API): `object` is a JSON object holding the frame's fields
// (its own "type" is ignored), read as a frame of `type`; each of `fields` (name, string value) replaces what the
// object says (a path's thread id, an Idempotency-Key as client_msg_id).
using FieldOverrides = std::vector<std::pair<std::string_view, std::string>>;
ParseResult parse_fields_as(std::string_view type, std::string_view object, const FieldOverrides& fields,
                            const Limits& limits = {});

// Cursors are decimal per-thread sequence numbers on the wire ("42"); clients treat them as opaque strings.
std::optional<int64_t> parse_cursor(std::string_view s);

}  // namespace techpulse::protocol
