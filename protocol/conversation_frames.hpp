#pragma once
// The conversation frames of techpulse.v1 (message.edit, message.delete, read, search) and their events
// (message.updated, message.deleted, read, presence.*, search.results, the ticket topic's thread summaries).
// Pure, like the rest of protocol/.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/frame_fields.hpp"
#include "protocol/frames.hpp"

namespace techpulse::protocol {

// Longest `query` of a search frame, in bytes.
constexpr size_t kMaxSearchQueryBytes = 256;

// Called by parse_client_frame for a type it does not know: the parsed frame or error for the conversation types,
// nullopt for any other type.
std::optional<ParseResult> parse_conversation_frame(std::string_view type, const detail::Fields& f, ClientFrame& frame,
                                                    const Limits& limits);

// {"type":"message.updated"|"message.deleted","topic":...,"cursor":"<change cursor>"[,"replay":true],"message":{...}}
std::string encode_message_change(bool deleted, std::string_view topic, int64_t cursor, std::string_view message_json,
                                  bool replay = false);

// The reply to message.edit / message.delete:
// {"type":"ack","ref":...,"message_id":...,"thread_id":...,"cursor":"<change cursor>","edited_at"|"deleted_at":...,
//  "duplicate":false}
std::string encode_change_ack(std::string_view ref, bool deleted, std::string_view message_id,
                              std::string_view thread_id, int64_t cursor, std::string_view at, bool duplicate);

// {"type":"read"[,"ref":...][,"topic":...],"thread_id":...,"user_id":...,"cursor":"<cursor>"}
// The reply to `read` carries the ref and no topic; the events to others carry the topic they came through.
std::string encode_read(std::string_view ref, std::string_view topic, std::string_view thread_id,
                        std::string_view user_id, int64_t cursor);

struct ThreadUnread {
  std::string thread_id;
  int64_t cursor = 0;
  int64_t unread = 0;
  int64_t last_read = 0;
  std::string last_message_json;  // an object or null
};
// `subscribed` for a ticket topic, with each of its threads' unread count for the subscriber:
// {"type":"subscribed","ref":...,"topic":"ticket:<id>","threads":[{"thread_id","cursor","unread","last_read",
//  "last_message"}]}
std::string encode_subscribed_ticket(std::string_view ref, std::string_view topic,
                                     const std::vector<ThreadUnread>& threads);

// A user's presence on a topic: the meta object the gateway tracks ({"user_id","role","since"}).
std::string presence_meta_json(std::string_view user_id, std::string_view role, std::string_view since);
// {"type":"presence.state","topic":...,"users":[<meta>...]}: one entry per user (their earliest `since`).
std::string encode_presence_state(std::string_view topic, const std::vector<std::vector<std::string>>& metas_per_user);
// {"type":"presence.join","topic":...,"user":<meta>} / {"type":"presence.leave","topic":...,"user":<meta>}
std::string encode_presence_change(bool join, std::string_view topic, std::string_view meta_json);

struct SearchResult {
  std::string message_json;
  std::string thread_id;
  int64_t cursor = 0;
  double rank = 0;
  std::string snippet;
};
// {"type":"search.results","ref":...,"query":...,"results":[{"thread_id","cursor","rank","snippet","message"}],
//  "has_more":...,"next_before":<token>|null}
std::string encode_search_results(std::string_view ref, std::string_view query,
                                  const std::vector<SearchResult>& results, bool has_more,
                                  std::string_view next_before);

}  // namespace techpulse::protocol
