#pragma once
// Broadcast between gateway nodes over PostgreSQL (tp_broadcast, storage/migrations/008_supabase.sql): the message
// envelope, its encoding, publishing, and fetching spilled envelopes. Not persisted: a node that is not listening
// when a broadcast is published does not get it (as Supabase's broadcast).
#include <optional>
#include <string>
#include <string_view>

#include "storage/pg_pool.hpp"

namespace techpulse::storage {

// The largest broadcast payload accepted (JSON text or raw bytes). Over it: refused before publishing.
inline constexpr size_t kMaxBroadcastPayload = 256 * 1024;

struct BroadcastMessage {
  std::string topic;         // the channel name without "realtime:" (as the REST API names it)
  std::string event;         // the user event
  bool is_private = false;   // a private channel's broadcast reaches only its private members
  bool json = true;          // false: payload is raw bytes (a kind-3 frame with encoding 0)
  std::string payload = "{}";
  std::string meta;          // "" or a JSON object
  std::string node;          // the publishing node
  std::string session;       // the sending session ("" for the REST API): it is skipped unless it asked for self
};

// The envelope: a JSON object; raw payloads are hex-encoded in it. decode_broadcast is its inverse (nullopt for
// anything malformed).
std::string encode_broadcast(const BroadcastMessage& m);
std::optional<BroadcastMessage> decode_broadcast(std::string_view envelope);

// A tp_broadcast payload: the envelope itself, or the id of a spilled one.
struct BroadcastNotice {
  std::string envelope;  // empty when spilled
  int64_t spill_id = 0;
};
std::optional<BroadcastNotice> parse_broadcast_notice(std::string_view payload);

class BroadcastStore {
 public:
  explicit BroadcastStore(PgPool& pool) : pool_(pool) {}
  // NOTIFYs every node (this one too). A payload over kMaxBroadcastPayload is refused by the caller before this.
  asio::awaitable<PgOutcome<bool>> publish(const BroadcastMessage& m);
  // A spilled envelope; nullopt when it is gone (older than a minute).
  asio::awaitable<PgOutcome<std::optional<std::string>>> fetch(int64_t spill_id);

 private:
  PgPool& pool_;
};

}  // namespace techpulse::storage
