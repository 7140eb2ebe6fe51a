#include "protocol/events.hpp"

#include <fmt/format.h>

#include "protocol/json_writer.hpp"

namespace techpulse::protocol {

namespace {

void ref_field(JsonWriter& w, std::string_view ref) {
  if (!ref.empty()) {
    w.field("ref", ref);
  }
}

std::string cursor_str(int64_t c) { return fmt::format("{}", c); }

}  // namespace

std::string encode_welcome(std::string_view session_id, std::string_view user_id, std::string_view role,
                           int heartbeat_ms) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("type", "welcome")
      .field("protocol", "techpulse.v1")
      .field("session_id", session_id)
      .field("user_id", user_id)
      .field("role", role)
      .field("heartbeat_ms", heartbeat_ms)
      .end_object();
  return out;
}

std::string encode_error(std::string_view ref, ErrorCode code, std::string_view message) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "error");
  ref_field(w, ref);
  w.field("code", to_string(code)).field("message", message).end_object();
  return out;
}

std::string encode_pong(std::string_view ref) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "pong");
  ref_field(w, ref);
  w.end_object();
  return out;
}

std::string encode_subscribed(std::string_view ref, std::string_view topic, int64_t cursor) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "subscribed");
  ref_field(w, ref);
  w.field("topic", topic).field("cursor", cursor_str(cursor)).end_object();
  return out;
}

std::string encode_unsubscribed(std::string_view ref, std::string_view topic, std::string_view reason) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "unsubscribed");
  ref_field(w, ref);
  w.field("topic", topic);
  if (!reason.empty()) {
    w.field("reason", reason);
  }
  w.end_object();
  return out;
}

std::string encode_ack(std::string_view ref, const Ack& ack) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "ack");
  ref_field(w, ref);
  w.field("message_id", ack.message_id)
      .field("thread_id", ack.thread_id)
      .field("cursor", cursor_str(ack.cursor))
      .field("created_at", ack.created_at)
      .field("duplicate", ack.duplicate)
      .end_object();
  return out;
}

std::string encode_message(std::string_view topic, int64_t cursor, std::string_view message_json, bool replay) {
  std::string out;
  out.reserve(64 + topic.size() + message_json.size());
  JsonWriter w(out);
  w.begin_object().field("type", "message").field("topic", topic).field("cursor", cursor_str(cursor));
  if (replay) {
    w.field("replay", true);
  }
  w.field_raw("message", message_json).end_object();
  return out;
}

std::string encode_history(std::string_view ref, std::string_view thread_id, const HistoryPage& page) {
  std::string out;
  size_t total = 128;
  for (const auto& m : page.messages_json) {
    total += m.size() + 1;
  }
  out.reserve(total);
  JsonWriter w(out);
  w.begin_object().field("type", "history");
  ref_field(w, ref);
  w.field("thread_id", thread_id).begin_array("messages");
  for (const auto& m : page.messages_json) {
    w.raw(m);
  }
  w.end_array().field("has_more", page.has_more);
  if (page.has_more) {
    w.field("next_before", cursor_str(page.next_before));
  } else {
    w.field_null("next_before");
  }
  w.end_object();
  return out;
}

std::string encode_event(std::string_view type, std::string_view topic, std::string_view field,
                         std::string_view object_json) {
  std::string out;
  out.reserve(48 + type.size() + topic.size() + object_json.size());
  JsonWriter w(out);
  w.begin_object().field("type", type).field("topic", topic).field_raw(field, object_json).end_object();
  return out;
}

std::string encode_authenticated(std::string_view ref, int64_t exp) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "authenticated");
  ref_field(w, ref);
  w.field("exp", exp).end_object();
  return out;
}

std::string encode_subscribed(std::string_view ref, std::string_view topic) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "subscribed");
  ref_field(w, ref);
  w.field("topic", topic).end_object();
  return out;
}

std::string encode_typing(std::string_view thread_id, std::string_view user_id) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "typing").field("thread_id", thread_id).field("user_id", user_id).end_object();
  return out;
}

std::string encode_thread(std::string_view ref, std::string_view thread_json) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "thread");
  ref_field(w, ref);
  w.field_raw("thread", thread_json).end_object();
  return out;
}

std::string encode_threads(std::string_view ref, const std::vector<std::string>& threads_json, bool has_more,
                           std::string_view next_before) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "threads");
  ref_field(w, ref);
  w.begin_array("threads");
  for (const auto& t : threads_json) {
    w.raw(t);
  }
  w.end_array().field("has_more", has_more);
  if (has_more) {
    w.field("next_before", next_before);
  }
  w.end_object();
  return out;
}

}  // namespace techpulse::protocol

// The assistant's turn events ------------------------------------------------------------------------------
namespace techpulse::protocol {

namespace {
JsonWriter& assistant_head(JsonWriter& w, std::string_view type, std::string_view thread_id, std::string_view turn_id) {
  return w.begin_object().field("type", type).field("thread_id", thread_id).field("turn_id", turn_id);
}
}  // namespace

std::string encode_assistant_start(std::string_view thread_id, std::string_view turn_id, std::string_view in_reply_to) {
  std::string out;
  JsonWriter w(out);
  assistant_head(w, "assistant.start", thread_id, turn_id).field("in_reply_to", in_reply_to).end_object();
  return out;
}

std::string encode_assistant_delta(std::string_view thread_id, std::string_view turn_id, int64_t index,
                                   std::string_view text) {
  std::string out;
  JsonWriter w(out);
  assistant_head(w, "assistant.delta", thread_id, turn_id).field("index", index).field("text", text).end_object();
  return out;
}

std::string encode_assistant_done(std::string_view thread_id, std::string_view turn_id, std::string_view message_id,
                                  double confidence, const std::vector<AssistantSource>& sources) {
  std::string out;
  JsonWriter w(out);
  assistant_head(w, "assistant.done", thread_id, turn_id).field("message_id", message_id);
  w.key("confidence").raw(fmt::format("{:.2f}", confidence));
  w.begin_array("sources");
  for (const auto& s : sources) w.begin_object().field("id", s.id).field("title", s.title).end_object();
  w.end_array().end_object();
  return out;
}

std::string encode_assistant_error(std::string_view thread_id, std::string_view turn_id, std::string_view code,
                                   std::string_view message) {
  std::string out;
  JsonWriter w(out);
  assistant_head(w, "assistant.error", thread_id, turn_id).field("code", code).field("message", message).end_object();
  return out;
}

std::string encode_assistant_snapshot(std::string_view thread_id, std::string_view turn_id, std::string_view in_reply_to,
                                      int64_t index, std::string_view text) {
  std::string out;
  JsonWriter w(out);
  assistant_head(w, "assistant.snapshot", thread_id, turn_id)
      .field("in_reply_to", in_reply_to)
      .field("index", index)
      .field("text", text)
      .end_object();
  return out;
}

}  // namespace techpulse::protocol
