#pragma once
// Cluster presence for the core: a PresenceCluster (presence_cluster.hpp) on the storage loop, where tp_presence
// notifications arrive, with its publisher and its timer. Sessions track their live thread:/ticket: subscriptions
// (key: the user id, ref: the session id, meta: {"user_id","role","since"}); the diffs that change who is present
// (a user's first ref joins, their last ref leaves) go to every loop as shared PresenceEvents, delivered to the
// topic's live subscribers. No database read on this path.
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

  // From a session's loop: tracks ref on topic and returns the topic's users after it (one meta list per user).
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

  // On the storage loop (the listener): a tp_presence payload; after a LISTEN reconnect, resync().
  void on_message(const std::string& payload);
  void resync();

 private:
  // On the storage loop: track() itself.
  asio::awaitable<std::vector<std::vector<std::string>>> track_here(std::string topic, std::string user,
                                                                    std::string ref, std::string meta_json);
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

}  // namespace techpulse::gateway::realtime
