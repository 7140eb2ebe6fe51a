#include "protocol/conversation_frames.hpp"

#include <simdjson.h>

#include <fmt/format.h>

#include "protocol/json_writer.hpp"

namespace techpulse::protocol {

using namespace detail;

std::optional<ParseResult> parse_conversation_frame(std::string_view type, const Fields& f, ClientFrame& frame,
                                                    const Limits& limits) {
  const std::string& ref = frame.ref;
  auto fail = [&](std::string msg) -> ParseResult { return ProtocolError{ErrorCode::bad_request, std::move(msg), ref}; };
  std::string e;
  if (type == "message.edit" || type == "message.delete") {
    frame.type = type == "message.edit" ? FrameType::message_edit : FrameType::message_delete;
    if (!(e = read_uuid(f, k_message_id, frame.message_id, true)).empty()) return fail(e);
    if (frame.type == FrameType::message_edit) {
      if (!(e = read_string(f, k_content, frame.content, true)).empty()) return fail(e);
      if (auto ce = content_error(frame.content, limits, ref)) return ParseResult{*ce};
    }
    return ParseResult{frame};
  }
  if (type == "read") {
    frame.type = FrameType::read;
    if (!(e = read_uuid(f, k_thread_id, frame.thread_id, true)).empty()) return fail(e);
    if (absent(f, k_cursor)) return fail("cursor is required");
    if (!(e = read_cursor(f, k_cursor, frame.cursor)).empty()) return fail(e);
    return ParseResult{frame};
  }
  if (type == "search") {
    frame.type = FrameType::search;
    frame.limit = 20;
    if (!(e = read_string(f, k_query, frame.query, true)).empty()) return fail(e);
    bool blank = frame.query.find_first_not_of(" \t\r\n") == std::string::npos;
    if (blank) return fail("query must not be empty");
    if (frame.query.find('\0') != std::string::npos) return fail("query must not contain NUL characters");
    if (frame.query.size() > kMaxSearchQueryBytes) {
      return ParseResult{ProtocolError{ErrorCode::too_large,
                                       fmt::format("query is longer than {} bytes", kMaxSearchQueryBytes), ref}};
    }
    if (!(e = read_uuid(f, k_thread_id, frame.thread_id, false)).empty()) return fail(e);
    if (!(e = read_limit(f, 50, frame.limit)).empty()) return fail(e);
    if (!(e = read_string(f, k_before, frame.before_token, false)).empty()) return fail(e);
    if (!absent(f, k_before) && frame.before_token.empty()) return fail("before must be a next_before token");
    return ParseResult{frame};
  }
  return std::nullopt;
}

namespace {
void ref_field(JsonWriter& w, std::string_view ref) {
  if (!ref.empty()) w.field("ref", ref);
}
std::string cursor_str(int64_t c) { return fmt::format("{}", c); }
}  // namespace

std::string encode_message_change(bool deleted, std::string_view topic, int64_t cursor, std::string_view message_json,
                                  bool replay) {
  std::string out;
  out.reserve(80 + topic.size() + message_json.size());
  JsonWriter w(out);
  w.begin_object()
      .field("type", deleted ? "message.deleted" : "message.updated")
      .field("topic", topic)
      .field("cursor", cursor_str(cursor));
  if (replay) w.field("replay", true);
  w.field_raw("message", message_json).end_object();
  return out;
}

std::string encode_change_ack(std::string_view ref, bool deleted, std::string_view message_id,
                              std::string_view thread_id, int64_t cursor, std::string_view at, bool duplicate) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "ack");
  ref_field(w, ref);
  w.field("message_id", message_id).field("thread_id", thread_id).field("cursor", cursor_str(cursor));
  w.field_or_null(deleted ? "deleted_at" : "edited_at", at);
  w.field("duplicate", duplicate).end_object();
  return out;
}

std::string encode_read(std::string_view ref, std::string_view topic, std::string_view thread_id,
                        std::string_view user_id, int64_t cursor) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "read");
  ref_field(w, ref);
  if (!topic.empty()) w.field("topic", topic);
  w.field("thread_id", thread_id).field("user_id", user_id).field("cursor", cursor_str(cursor)).end_object();
  return out;
}

std::string encode_subscribed_ticket(std::string_view ref, std::string_view topic,
                                     const std::vector<ThreadUnread>& threads) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "subscribed");
  ref_field(w, ref);
  w.field("topic", topic).begin_array("threads");
  for (const auto& t : threads) {
    w.begin_object()
        .field("thread_id", t.thread_id)
        .field("cursor", cursor_str(t.cursor))
        .field("unread", t.unread)
        .field("last_read", cursor_str(t.last_read))
        .field_raw("last_message", t.last_message_json.empty() ? std::string_view("null") : t.last_message_json)
        .end_object();
  }
  w.end_array().end_object();
  return out;
}

std::string presence_meta_json(std::string_view user_id, std::string_view role, std::string_view since) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("user_id", user_id).field("role", role).field("since", since).end_object();
  return out;
}

namespace {
// The "since" of a meta object (RFC 3339 UTC strings compare in time order); empty when unreadable.
std::string since_of(const std::string& meta) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(meta).get(doc)) return {};
  std::string_view s;
  if (doc["since"].get_string().get(s)) return {};
  return std::string(s);
}
}  // namespace

std::string encode_presence_state(std::string_view topic, const std::vector<std::vector<std::string>>& metas_per_user) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "presence.state").field("topic", topic).begin_array("users");
  for (const auto& metas : metas_per_user) {
    if (metas.empty()) continue;
    // A user with several sessions is one entry: present since their earliest session.
    size_t best = 0;
    std::string best_since = since_of(metas[0]);
    for (size_t i = 1; i < metas.size(); ++i) {
      auto s = since_of(metas[i]);
      if (!s.empty() && (best_since.empty() || s < best_since)) {
        best = i;
        best_since = std::move(s);
      }
    }
    w.raw(metas[best]);
  }
  w.end_array().end_object();
  return out;
}

std::string encode_presence_change(bool join, std::string_view topic, std::string_view meta_json) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("type", join ? "presence.join" : "presence.leave")
      .field("topic", topic)
      .field_raw("user", meta_json)
      .end_object();
  return out;
}

std::string encode_search_results(std::string_view ref, std::string_view query,
                                  const std::vector<SearchResult>& results, bool has_more,
                                  std::string_view next_before) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "search.results");
  ref_field(w, ref);
  w.field("query", query).begin_array("results");
  for (const auto& r : results) {
    w.begin_object()
        .field("thread_id", r.thread_id)
        .field("cursor", cursor_str(r.cursor))
        .field("rank", r.rank)
        .field("snippet", r.snippet)
        .field_raw("message", r.message_json)
        .end_object();
  }
  w.end_array().field("has_more", has_more);
  w.field_or_null("next_before", has_more ? next_before : std::string_view());
  w.end_object();
  return out;
}

}  // namespace techpulse::protocol
