#pragma once
// The core's side of Supabase's channels (docs/supabase-compat.md), shared by every dialect that speaks them:
// - row watching: which users of this node have postgres_changes bindings (RowWatchers, read by the fan-out on
//   the storage loop, which asks tp_row_visible once per change for all of them: the native rules decide);
// - channel membership for broadcast, per loop (Hub::join_channel), a private channel's only after the core
//   admitted its thread:/ticket: subscription;
// - publishing a broadcast to every node (tp_broadcast), with the one payload limit (kMaxBroadcastPayload), for the
//   WebSocket push and POST /realtime/v1/api/broadcast alike.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <utility>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/realtime/broadcast.hpp"
#include "storage/broadcast_channel.hpp"
#include "storage/chat_store.hpp"

namespace techpulse::gateway::realtime {

struct Services;

// The users of this node with at least one postgres_changes binding (counted per session). Thread-safe.
class RowWatchers {
 public:
  void add(const std::string& user);
  void remove(const std::string& user);
  std::vector<std::string> users() const;
  bool empty() const;

  // Until when (steady clock, ms) this node's tp_row_feed row is known alive (008_supabase.sql: the trigger
  // NOTIFYs only while some node's row is).
  std::atomic<int64_t> feed_fresh_until_ms{0};

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, int> counts_;
};

// This node's tp_row_feed row is kept alive this long, renewed every kFeedRenew while it has watchers; a join whose
// node row has less than kFeedRenew * 2 left renews it before its reply.
inline constexpr std::chrono::seconds kFeedAlive{120};
inline constexpr std::chrono::seconds kFeedRenew{30};

// From a session's loop: resolves once this node's feed row is alive for a while (false: the database failed).
boost::asio::awaitable<bool> ensure_row_feed(Services& svc);

// On the storage loop: renews the node's feed row every kFeedRenew while it has watchers.
class RowFeed {
 public:
  RowFeed(boost::asio::any_io_executor store_ex, storage::ChatStore& store, RowWatchers& watchers);
  void start();
  void stop();

 private:
  void arm();
  storage::ChatStore& store_;
  RowWatchers& watchers_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
};

// A member of a channel (the dialect's connection): told of each broadcast of the channel.
class ChannelMember {
 public:
  virtual ~ChannelMember() = default;
  virtual void on_channel_event(const SharedEvent& event) = 0;
};

// The hub's key of a channel: public and private channels of one name are different channels.
inline std::string channel_key(const std::string& name, bool is_private) { return (is_private ? "p:" : "o:") + name; }

// The largest broadcast payload (bytes of JSON text or raw bytes), the same for every entry point.
inline constexpr size_t kMaxBroadcastPayload = storage::kMaxBroadcastPayload;

// The outcome of a publish: ok, or why not (too_large: the payload is over kMaxBroadcastPayload).
struct PublishOutcome {
  enum Status { ok, too_large, unavailable } status = ok;
  std::string message;
};
// Publishes a broadcast to every node (this one too) from the caller's loop, on the storage loop.
boost::asio::awaitable<PublishOutcome> publish_broadcast(Services& svc, const storage::BroadcastMessage& m);

// The columns of a change table ([{"name","type"}, ...]); nullopt when the database failed.
boost::asio::awaitable<std::optional<std::string>> table_columns(Services& svc, const std::string& table);

// Beyond Supabase: the chat_messages rows of a thread after a cursor (seq), oldest first, at most `limit`, as row
// JSON; none when the user may not read the thread (tp_can_access, in SQL). nullopt when the database failed.
boost::asio::awaitable<std::optional<std::vector<std::pair<int64_t, std::string>>>> chat_rows_after(
    Services& svc, const std::string& user, const std::string& thread, int64_t after, int limit);

// (Every coroutine here takes its arguments by reference and its callers pass named values: g++ 12 miscompiles
// temporaries inside a co_await expression, see storage/pg_conn.hpp.)

// The node's id in broadcast envelopes (the sender's node skips its own session unless it asked for self).
const std::string& node_id();

}  // namespace techpulse::gateway::realtime
