#pragma once
// protocol/phoenix: the Phoenix channel wire format as @supabase/realtime-js 2.119.1 speaks it
// (../shared/design/supabase-realtime.md, docs/supabase-compat.md). Pure code: no I/O, no database, no sockets.
//   message.hpp   frames: vsn 1.0.0 JSON objects, vsn 2.0.0 JSON arrays, binary user broadcasts (kind 3 in, 4 out)
//   payloads.hpp  what a frame's payload means: phx_join config, broadcast, presence, access_token; the payloads
//                 the server pushes (join reply, system, presence_state/diff, postgres_changes)
//   filter.hpp    the postgres_changes filter grammar and its evaluation on a row
//   bindings.hpp  a join's postgres_changes bindings checked and compiled; which of them a row change matches
//   channels.hpp  one socket's channel rules: joined topics and refs, what each inbound frame means
//   rest.hpp      the body of POST /realtime/v1/api/broadcast
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace techpulse::protocol::phoenix {

enum class Vsn { v1, v2 };

// The `vsn` query parameter: "1.0.0", "2.0.0", or absent/empty (Phoenix's default, 1.0.0). nullopt otherwise.
std::optional<Vsn> parse_vsn(std::string_view value);

// Longest topic, event and ref: the binary frames carry their lengths in one byte.
inline constexpr size_t kMaxNameBytes = 255;
inline constexpr size_t kMaxDepth = 64;

// One text frame, either vsn. `payload` is the payload's JSON text (minified).
struct Message {
  std::optional<std::string> join_ref;
  std::optional<std::string> ref;
  std::string topic;
  std::string event;
  std::string payload = "{}";
};

// A kind-3 binary frame: a client's user broadcast.
struct UserBroadcast {
  std::optional<std::string> join_ref;  // empty in the frame: nullopt
  std::optional<std::string> ref;
  std::string topic;
  std::string event;      // the user event ("cursor"), not "broadcast"
  std::string meta;       // "" or a JSON object (minified)
  bool json = true;       // encoding 1 (UTF-8 JSON); false: raw bytes (encoding 0)
  std::string payload;    // JSON text (minified) or raw bytes
};

// A frame that could not be read. The refs and topic are filled in when they could be read, so the error can
// still answer the push (a phx_reply with status "error").
struct ParseError {
  std::string message;
  std::optional<std::string> join_ref;
  std::optional<std::string> ref;
  std::string topic;
};

using Parsed = std::variant<Message, UserBroadcast, ParseError>;

Parsed parse_text(std::string_view frame, Vsn vsn);
// Binary frames: vsn 2 kind 3 only (kinds 0-2 are server-to-client or phoenix.js-only; vsn 1 has no binary).
Parsed parse_binary(std::string_view frame, Vsn vsn);

// A text frame. vsn 1: {"topic","event","payload","ref"} (Phoenix's V1 serializer sends no join_ref);
// vsn 2: [join_ref, ref, topic, event, payload]. `payload` must be valid JSON text.
std::string encode(Vsn vsn, const std::optional<std::string>& join_ref, const std::optional<std::string>& ref,
                   std::string_view topic, std::string_view event, std::string_view payload);

// The phx_reply to a push: {"status":status,"response":response}.
std::string encode_reply(Vsn vsn, const std::optional<std::string>& join_ref, const std::optional<std::string>& ref,
                         std::string_view topic, std::string_view status, std::string_view response = "{}");

// A kind-4 binary frame (vsn 2 only): a user broadcast to a subscriber. Empty when a name is over 255 bytes.
std::string encode_user_broadcast(std::string_view topic, std::string_view event, std::string_view meta, bool json,
                                  std::string_view payload);

// The payload of a `broadcast` text frame: {"type":"broadcast","event":..,"payload":..[,"meta":..]}. The JSON form
// of a kind-3 broadcast with encoding 1 (a raw-bytes broadcast has none: vsn-1 subscribers do not receive it).
std::string broadcast_payload(std::string_view event, std::string_view payload_json, std::string_view meta = "");

}  // namespace techpulse::protocol::phoenix
