#pragma once
// Internal to protocol/: the fields a client frame may carry, as read from the JSON, and the readers that check
// them. Shared by frames.cpp (the core frames) and conversation_frames.cpp, so each field rule is written once.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/frames.hpp"

namespace techpulse::protocol::detail {

// What a field held: the value kinds the protocol uses, plus "other" for anything else.
struct Field {
  enum Kind { absent, string, integer, boolean, object, object_with_nul, null, other } kind = absent;
  std::string str;  // string, or the raw text of an object
  int64_t num = 0;
  bool flag = false;
};

// The fields any frame type reads. Unknown fields are skipped (the contract says they are ignored).
enum Key { k_type, k_ref, k_topic, k_since, k_thread_id, k_content, k_message_type, k_metadata, k_client_msg_id,
           k_before, k_limit, k_title, k_ticket_id, k_assistant, k_access_token, k_message_id, k_query, k_cursor,
           k_after, k_reason, k_technician_id, k_from, k_to, k_count };

constexpr std::array<std::string_view, k_count> key_names = {
    "type", "ref", "topic", "since", "thread_id", "content", "message_type", "metadata", "client_msg_id",
    "before", "limit", "title", "ticket_id", "assistant", "access_token", "message_id", "query", "cursor",
    "after", "reason", "technician_id", "from", "to"};

inline int key_index(std::string_view k) {
  for (size_t i = 0; i < key_names.size(); ++i) {
    if (key_names[i] == k) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

using Fields = std::array<Field, k_count>;

inline bool absent(const Fields& f, Key k) { return f[k].kind == Field::absent || f[k].kind == Field::null; }

std::string lower(std::string_view s);
bool has_nul(std::string_view s);
ProtocolError err(ErrorCode c, std::string msg, const std::string& ref);

// Each reader returns an error message (bad_request), or empty on success.
std::string read_string(const Fields& f, Key k, std::string& out, bool required);
std::string read_uuid(const Fields& f, Key k, std::string& out, bool required);  // lower-cased
std::string read_cursor(const Fields& f, Key k, std::optional<int64_t>& out);
std::string read_limit(const Fields& f, int max, int& out);

// A message's content (send, message.edit): 1 byte to max_content_bytes, no NUL. nullopt when it is fine.
std::optional<ProtocolError> content_error(const std::string& content, const Limits& limits, const std::string& ref);

}  // namespace techpulse::protocol::detail
