#pragma once
// Cluster presence for the core: a PresenceCluster (presence_cluster.hpp) on the storage loop, where tp_presence
// notifications arrive, with its publisher and its timer. Sessions track their live thread:/ticket: subscriptions
// (key: the user id, ref: the session id, meta: {"user_id","role","since"}); the diffs that change who is present
// (a user's first ref joins, their last ref leaves) go to every loop as shared PresenceEvents, delivered to the
// topic's live subscribers. No database read on this path.
//
// Phoenix channels (docs/supabase-compat.md, "Presence") use the same table under topic "phx:" + channel_key():
// the key is the channel's presence key, one ref per track (its phx_ref), and every ref's join and leave (not only a
// key's first and last) goes to the channel's members on every loop (Hub::deliver_channel). Bounded per channel.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <vector>

#include "gateway/realtime/loop.hpp"
#include "gateway/realtime/presence_cluster.hpp"
#include "storage/presence_channel.hpp"

namespace techpulse::gateway::realtime {

class Presence {
 public:
  Presence(asio::any_io_executor store_ex, std::vector<std::unique_ptr<Loop>>& loops, std::string conninfo,
           std::chrono::milliseconds heartbeat, std::chrono::milliseconds db_timeout);
  ~Presence();

  // On the storage loop: the publisher, the tick timer, and a request for every node's state.
  void start();
  // On the storage loop: tells the other nodes this node's users are gone.
  void stop();

  // From a session's loop: tracks ref on topic and returns the topic's users after it, one meta list per user
  // holding the meta of its earliest session only.
  asio::awaitable<std::vector<std::vector<std::string>>> track(std::string topic, std::string user, std::string ref,
                                                               std::string meta_json);
  // From any thread: the ref left the topic.
  void untrack(std::string topic, std::string user, std::string ref);

  // Every open session is tracked on this pseudo-topic (no subscriber can name it, so it carries no events): the
  // cluster's "who has an open session", which the offline notifications and the routing ask.
  static constexpr const char* kOnlineTopic = "online";
  // From any thread, like untrack (so a track and a later untrack of one session arrive in that order).
  void track_online(std::string user, std::string ref, std::string meta_json);
  // On the storage loop: whether the user has an open session on any node.
  bool online(const std::string& user) const;
  // On the storage loop: every user with an open session.
  std::vector<std::string> online_users() const;

  // Phoenix channels. A channel's presence topic; the bounds (checked here, for every node's tracks alike).
  static std::string channel_topic(const std::string& channel_key) { return "phx:" + channel_key; }
  static bool is_channel_topic(std::string_view topic) { return topic.substr(0, 4) == "phx:"; }
  static constexpr size_t kMaxChannelPresences = 1000;  // metas on one channel, cluster-wide (as this node knows)
  static constexpr size_t kMaxPresenceMeta = 4096;      // bytes of one tracked meta (JSON text)
  struct TrackOutcome {
    bool ok = true;
    std::string message;  // why not
  };
  // From a session's loop: tracks ref under key on a channel topic, then untracks `replaces` (the same socket's
  // previous track of that channel, "" for none), so an update never shows the key gone; an update's meta gets
  // `phx_ref_prev` (the ref it replaces). Refused over the bounds (the client's meta is what the size limit counts).
  asio::awaitable<TrackOutcome> track_channel(std::string topic, std::string key, std::string ref,
                                              std::string meta_json, std::string replaces);
  // From a session's loop: everything present on a channel topic (for presence_state).
  asio::awaitable<std::vector<PresenceTable::KeyState>> channel_state(std::string topic);

  // On the storage loop (the listener): a tp_presence payload; after a LISTEN reconnect, resync().
  void on_message(const std::string& payload);
  void resync();

 private:
  // On the storage loop: track() itself.
  asio::awaitable<std::vector<std::vector<std::string>>> track_here(std::string topic, std::string user,
                                                                    std::string ref, std::string meta_json);
  asio::awaitable<TrackOutcome> track_channel_here(std::string topic, std::string key, std::string ref,
                                                   std::string meta_json, std::string replaces);
  asio::awaitable<std::vector<PresenceTable::KeyState>> channel_state_here(std::string topic);
  void apply(PresenceCluster::Output out);
  void arm_tick();

  asio::any_io_executor ex_;
  std::vector<std::unique_ptr<Loop>>& loops_;
  PresenceCluster cluster_;
  storage::PresencePublisher publisher_;
  asio::steady_timer tick_;
  std::chrono::milliseconds heartbeat_;
  bool stopped_ = false;
};

// The meta of a session's presence: {"user_id","role","since"} with since = now (RFC 3339, UTC, microseconds).
std::string presence_meta(const std::string& user_id, const std::string& role);
// The since of such a meta; empty when it has none.
std::string_view presence_since(std::string_view meta);

}  // namespace techpulse::gateway::realtime
