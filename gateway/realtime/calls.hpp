#pragma once
// The typed calls a dialect makes into a realtime Session: one struct per client operation, already parsed and
// validated for shape and size by the dialect. `ref` is the client's request reference, echoed in the reply.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace techpulse::gateway::realtime::calls {

struct Ping {
  std::string ref;
};
struct Subscribe {
  std::string ref;
  std::string topic;  // thread:<uuid>, ticket:<uuid>, user:<uuid> or queue:support
  std::optional<int64_t> since;  // thread topics: replay the messages after this cursor
};
struct Unsubscribe {
  std::string ref;
  std::string topic;
};
struct Send {
  std::string ref;
  std::string thread_id;
  std::string content;
  std::string message_type = "text";
  std::string metadata = "{}";  // a JSON object's text
  std::string client_msg_id;    // empty: none
};
struct History {
  std::string ref;
  std::string thread_id;
  std::optional<int64_t> before;
  int limit = 50;
  std::optional<int64_t> after;  // read forward: the oldest `limit` messages after this cursor (not with before)
};
struct Typing {
  std::string ref;
  std::string thread_id;
};
struct ThreadCreate {
  std::string ref;
  std::optional<std::string> title;
  std::string ticket_id;  // empty: none
  std::optional<bool> assistant;
};
struct ThreadUpdate {
  std::string ref;
  std::string thread_id;
  std::optional<std::string> title;
  std::optional<bool> assistant;
  std::optional<std::string> ticket_id;  // nullopt: unchanged; empty: unlink; a UUID: link
};
struct ThreadsList {
  std::string ref;
  std::string before;  // the opaque paging token of a previous reply
  int limit = 50;
};
struct AssistantCancel {
  std::string ref;
  std::string thread_id;
};
// Conversation operations (issue 14).
struct MessageEdit {
  std::string ref;
  std::string message_id;
  std::string content;
};
struct MessageDelete {
  std::string ref;
  std::string message_id;
};
struct Read {
  std::string ref;
  std::string thread_id;
  int64_t cursor = 0;
};
struct Search {
  std::string ref;
  std::string query;
  std::string thread_id;  // empty: every thread the caller may read
  int limit = 20;
  std::string before;  // the paging token of a previous reply
};
// One thread, and one message, as the caller may see them (the HTTP API's GET /v1/threads/<id>, and the message
// its POST .../messages answers with after the ack).
struct ThreadGet {
  std::string ref;
  std::string thread_id;
};
struct MessageGet {
  std::string ref;
  std::string message_id;
};
// The support desk (issue 17).
struct Handoff {
  std::string ref;
  std::string thread_id;
  std::string reason;  // empty: none
};
struct TicketClaim {
  std::string ref;
  std::string ticket_id;
};
struct TicketAssign {
  std::string ref;
  std::string ticket_id;
  std::string technician_id;
};
struct AnalyticsSummary {
  std::string ref;
  std::string from, to;  // RFC 3339; empty: the default range
};
struct RenewAuth {
  std::string ref;
  std::string access_token;
};

using Call = std::variant<Ping, Subscribe, Unsubscribe, Send, History, Typing, ThreadCreate, ThreadUpdate, ThreadsList,
                          AssistantCancel, RenewAuth, MessageEdit, MessageDelete, Read, Search, ThreadGet, MessageGet,
                          Handoff, TicketClaim, TicketAssign, AnalyticsSummary>;

}  // namespace techpulse::gateway::realtime::calls
