#pragma once
// Server → client events of techpulse.v1. Each returns the encoded frame text. Message and thread objects arrive
// as JSON already built by the database (tp_message_json / tp_thread_json) and are spliced in unchanged.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/frames.hpp"

namespace techpulse::protocol {

std::string encode_welcome(std::string_view session_id, std::string_view user_id, std::string_view role,
                           int heartbeat_ms);
std::string encode_error(std::string_view ref, ErrorCode code, std::string_view message);
std::string encode_pong(std::string_view ref);
std::string encode_subscribed(std::string_view ref, std::string_view topic, int64_t cursor);
std::string encode_unsubscribed(std::string_view ref, std::string_view topic, std::string_view reason = {});

struct Ack {
  std::string message_id;
  std::string thread_id;
  int64_t cursor = 0;
  std::string created_at;
  bool duplicate = false;
};
std::string encode_ack(std::string_view ref, const Ack& ack);

// {"type":"message","topic":...,"cursor":"<seq>"[,"replay":true],"message":<message_json>}
std::string encode_message(std::string_view topic, int64_t cursor, std::string_view message_json, bool replay = false);

struct HistoryPage {
  std::vector<std::string> messages_json;  // oldest first
  bool has_more = false;
  int64_t next_before = 0;  // the cursor of the oldest message in the page
};
std::string encode_history(std::string_view ref, std::string_view thread_id, const HistoryPage& page);

// {"type":<type>,"topic":<topic>,<field>:<object_json>} for ticket.updated, work_order.updated, thread.updated, ...
std::string encode_event(std::string_view type, std::string_view topic, std::string_view field,
                         std::string_view object_json);
std::string encode_authenticated(std::string_view ref, int64_t exp);
std::string encode_subscribed(std::string_view ref, std::string_view topic);  // topics without a cursor

std::string encode_typing(std::string_view thread_id, std::string_view user_id);
std::string encode_thread(std::string_view ref, std::string_view thread_json);
std::string encode_threads(std::string_view ref, const std::vector<std::string>& threads_json, bool has_more,
                           std::string_view next_before);

}  // namespace techpulse::protocol

// The assistant's turn events (assistant.start / .delta / .done / .error), built by the worker and fanned out
// unchanged by every node.
namespace techpulse::protocol {
struct AssistantSource {
  std::string id;
  std::string title;
};
std::string encode_assistant_start(std::string_view thread_id, std::string_view turn_id, std::string_view in_reply_to);
std::string encode_assistant_delta(std::string_view thread_id, std::string_view turn_id, int64_t index,
                                   std::string_view text);
std::string encode_assistant_done(std::string_view thread_id, std::string_view turn_id, std::string_view message_id,
                                  double confidence, const std::vector<AssistantSource>& sources);
// code: cancelled | provider_error | timeout
std::string encode_assistant_error(std::string_view thread_id, std::string_view turn_id, std::string_view code,
                                   std::string_view message);
// A late joiner's view of a running turn: the text of deltas 0..index so far (index -1: none yet).
std::string encode_assistant_snapshot(std::string_view thread_id, std::string_view turn_id, std::string_view in_reply_to,
                                      int64_t index, std::string_view text);
}  // namespace techpulse::protocol
