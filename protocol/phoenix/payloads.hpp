#pragma once
// The meaning of Phoenix payloads (see message.hpp for the module): what clients push (phx_join's config,
// broadcast, presence, access_token) and what the server pushes (the join reply, system messages, presence_state
// and presence_diff, postgres_changes rows). Pure code.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace techpulse::protocol::phoenix {

// One `postgres_changes` entry of a join's config, as the client sent it.
struct PgBinding {
  std::string event;   // "*", "INSERT", "UPDATE" or "DELETE" (exactly as sent: the client compares it strictly)
  std::string schema;  // "" when absent
  std::string table;   // "" when absent or "*"
  std::string filter;  // "" when absent
  std::optional<std::string> since;  // beyond Supabase: a chat_messages cursor (seq) to replay from
  std::string echo;    // the entry's JSON object without any "id" key, for the join reply
};

struct JoinConfig {
  bool broadcast_ack = false;
  bool broadcast_self = false;
  bool presence_enabled = false;
  std::string presence_key;  // "" -> the server picks one
  bool is_private = false;
  std::vector<PgBinding> postgres_changes;
  std::optional<std::string> access_token;  // absent, null, "" or an "sb_..." key: nullopt (use the apikey)
};

// Most postgres_changes bindings of one join.
inline constexpr size_t kMaxBindings = 100;

// Parses phx_join's payload. Booleans may be JSON booleans or the strings "true"/"false" (as upstream accepts);
// unknown keys are ignored. The error is a reason for the join's error reply.
std::variant<JoinConfig, std::string> parse_join(std::string_view payload_json);

// A `broadcast` push in JSON (vsn 1, or a vsn-2 client's text frame): {"type":"broadcast","event":..,"payload":..}.
struct BroadcastPush {
  std::string event;
  std::string payload = "{}";  // JSON text
};
std::variant<BroadcastPush, std::string> parse_broadcast(std::string_view payload_json);

// A `presence` push: {"type":"presence","event":"track","payload":{...}} or {"event":"untrack"}.
struct PresencePush {
  bool track = true;
  std::string meta = "{}";  // JSON object text (track only)
};
std::variant<PresencePush, std::string> parse_presence(std::string_view payload_json);

// An `access_token` push: {"access_token":"<jwt>"}. nullopt for null, "" and "sb_..." keys (ignored upstream).
std::variant<std::optional<std::string>, std::string> parse_access_token(std::string_view payload_json);

// The ok join reply's response: {"postgres_changes":[<each binding as sent, plus "id">]} in request order.
std::string join_response(const std::vector<PgBinding>& bindings, const std::vector<int64_t>& ids);
// {"reason":reason}
std::string reason_response(std::string_view reason);

// A `system` push: {"extension":..,"status":"ok"|"error","message":..,"channel":<topic without "realtime:">}.
std::string system_payload(std::string_view extension, bool ok, std::string_view message, std::string_view channel);

// One tracked presence: key, its phx_ref (unique per track), the previous ref for an update, and the meta object.
struct PresenceEntry {
  std::string key;
  std::string phx_ref;
  std::string phx_ref_prev;  // "" when none
  std::string meta = "{}";
};
// {"<key>":{"metas":[{"phx_ref":..,...meta}, ...]}, ...}; entries of one key are grouped in order.
std::string presence_map(const std::vector<PresenceEntry>& entries);
std::string presence_diff(const std::vector<PresenceEntry>& joins, const std::vector<PresenceEntry>& leaves);

// A row change for the postgres_changes push.
enum class ChangeType { insert, update, del };
std::string_view to_string(ChangeType t);  // "INSERT", "UPDATE", "DELETE"
std::optional<ChangeType> parse_change_type(std::string_view s);  // the same, exact

struct RowChange {
  std::string schema = "public";
  std::string table;
  ChangeType type = ChangeType::insert;
  std::string commit_timestamp;  // YYYY-MM-DDTHH:MI:SS.MSZ
  std::string columns = "[]";    // [{"name":..,"type":..}, ...]
  std::string record;            // JSON object text; INSERT and UPDATE
  std::string old_record;        // JSON object text; UPDATE and DELETE
};
// {"ids":[...],"data":{"schema","table","commit_timestamp","type","columns","record"?,"old_record"?,"errors":null}}
std::string postgres_changes_payload(const std::vector<int64_t>& ids, const RowChange& change);

// Does a binding's event ("*" or a type, case-insensitive as the client compares) take this change?
bool event_matches(std::string_view binding_event, ChangeType type);

}  // namespace techpulse::protocol::phoenix
