#pragma once
// dialect/phoenix: the Phoenix channel protocol of @supabase/realtime-js (docs/supabase-compat.md) on
// /realtime/v1/websocket, a peer of techpulse.v1 on the same realtime core. It translates and decides nothing:
// the Phoenix rules of a socket are protocol/phoenix/channels.hpp; identity, authorization (private thread:/ticket:
// channels are core subscriptions), revocation, token renewal and expiry, and the rate limit (per socket, anonymous
// sockets too) are the core's (gateway/realtime/). Tokens are verified by the one verifier (jwt_keys(config)).
//
// Heartbeats, joins (public, and private for authenticated users; thread:<uuid> and ticket:<uuid> only for those
// the core admits), leaves, access_token, the system error and phx_close on token expiry or revocation;
// postgres_changes (the core's RowEvents, already filtered to what the user may see, routed here to the bindings
// they match: postgres_changes.cpp); broadcast through the core's channels (broadcast.cpp); presence on the core's
// cluster presence (presence.cpp).
#include <map>
#include <variant>
#include <memory>
#include <string>

#include "gateway/dialect/wire.hpp"
#include "gateway/realtime/channels.hpp"
#include "gateway/realtime/session.hpp"
#include "protocol/phoenix/bindings.hpp"
#include "protocol/phoenix/channels.hpp"

namespace simdjson::dom {
class parser;
}

namespace techpulse::gateway::dialect::phoenix {

namespace px = protocol::phoenix;

class Connection final : public realtime::Sink, public Endpoint, public realtime::ChannelMember {
 public:
  Connection(Wire& wire, realtime::Services& svc, realtime::Loop& loop, px::Vsn vsn);
  ~Connection() override;

  // Endpoint
  void open() override {}
  boost::asio::awaitable<void> on_text(std::string_view text) override;
  boost::asio::awaitable<void> on_binary(std::string_view data) override;
  void on_idle() override;
  void on_closed() override;
  std::string label() const override;

  // realtime::Sink
  void welcome(const realtime::Welcome&) override {}
  void pong(std::string_view) override {}
  void error(std::string_view ref, realtime::ErrorCode code, std::string_view message) override;
  void subscribed(std::string_view ref, std::string_view topic, std::optional<int64_t> cursor) override;
  void unsubscribed(std::string_view ref, std::string_view topic, std::string_view reason) override;
  void replayed(std::string_view, int64_t, std::string_view) override {}
  void ack(std::string_view, std::string_view, std::string_view, int64_t, std::string_view, bool) override {}
  void history(std::string_view, std::string_view, const std::vector<std::string>&, bool, int64_t) override {}
  void thread(std::string_view, std::string_view) override {}
  void message(std::string_view, std::string_view) override {}  // MessageGet: the HTTP API's call only
  void threads(std::string_view, const std::vector<std::string>&, bool, std::string_view) override {}
  void authenticated(std::string_view ref, int64_t exp) override {}
  // The conversation replies of techpulse.v1 (issue 14) have no Phoenix form: the dialect never makes those calls.
  void ticket_subscribed(std::string_view ref, std::string_view topic, const std::vector<realtime::TicketThread>&) override {
    subscribed(ref, topic, std::nullopt);
  }
  void replayed_change(std::string_view, int64_t, bool, std::string_view) override {}
  void change_ack(std::string_view, bool, std::string_view, std::string_view, int64_t, std::string_view, bool) override {}
  void read(std::string_view, std::string_view, std::string_view, int64_t) override {}
  void presence_state(std::string_view, const std::vector<std::vector<std::string>>&) override {}
  // Nor assistant events (deliver forwards row changes only), so no snapshot of a turn either.
  void assistant_snapshot(std::string_view, std::string_view, std::string_view, int64_t, std::string_view) override {}
  void search_results(std::string_view, std::string_view, const std::vector<realtime::SearchHit>&, bool,
                      std::string_view) override {}
  // Nor the support desk's (issue 17): no desk call is made; a queue subscription answers like any subscribe.
  void handoff(std::string_view, std::string_view, std::string_view, bool, bool, std::string_view) override {}
  void ticket(std::string_view, std::string_view, bool) override {}
  void analytics(std::string_view, std::string_view) override {}
  void queue_subscribed(std::string_view ref, std::string_view topic, std::string_view) override {
    subscribed(ref, topic, std::nullopt);
  }
  // Row changes go to the bindings they match (postgres_changes.cpp). Chat messages of a private thread:/ticket:
  // channel's core subscription are not forwarded (the channel is for broadcast and presence; rows come through
  // postgres_changes).
  void deliver(const realtime::SharedEvent& event) override;
  void close(realtime::CloseReason reason, std::string_view why) override;

  // realtime::ChannelMember: a broadcast of a joined channel (broadcast.cpp).
  void on_channel_event(const realtime::SharedEvent& event) override;

 private:
  boost::asio::awaitable<void> act(px::Step step);
  boost::asio::awaitable<void> join(const px::Intent& in);
  void access_token(const px::Intent& in);
  void send(std::string text);
  // The system error then phx_close of one channel (token expired, access revoked).
  void shut(const std::string& topic, std::string_view message);
  // Forgets a channel's state here and in the core (leave, close, a second join of its topic).
  void drop(const std::string& topic);
  void drop_all();
  // postgres_changes.cpp: compiles the join's bindings (columns from the database); the reply's ids or the error.
  boost::asio::awaitable<std::variant<std::vector<px::CompiledBinding>, std::string>> compile(const px::JoinConfig& cfg);
  // Rows after the `since` cursors of a joined channel's bindings, then what arrived meanwhile.
  boost::asio::awaitable<void> replay(const std::string& topic);
  void route_rows(const std::string& topic, const realtime::RowEvent& e, bool from_hold);
  // broadcast.cpp: a broadcast push of a joined channel.
  boost::asio::awaitable<void> broadcast(const px::Intent& in);

  struct Joined {
    std::string name;
    bool is_private = false;
    bool self = false, ack = false;
    std::vector<px::CompiledBinding> bindings;
    std::map<int64_t, int64_t> replayed_up_to;  // binding id -> the last seq its replay sent
    bool watching = false;                      // counted in the core's row watchers
    bool replaying = false;                     // live rows wait in `held` until the replay is done
    std::vector<realtime::SharedEvent> held;
    bool presence = false;     // config.presence.enabled: only then told of others' presence (as upstream)
    std::string presence_key;  // config.presence.key, or a UUID per join
    std::string presence_ref;  // the phx_ref of this socket's track of the channel ("" when not tracking)
  };

  // presence.cpp: a presence push (track/untrack), the presence_state after a join reply, a presence diff of a
  // joined channel (from any node), and leaving the channel's presence (leave, close, disconnect).
  static std::string presence_topic(const Joined& j);
  boost::asio::awaitable<void> presence(const px::Intent& in);
  boost::asio::awaitable<void> send_presence_state(const std::string& topic);
  void on_presence(const realtime::PresenceEvent& e);
  void leave_presence(Joined& j);

  Wire& wire_;
  realtime::Services& svc_;
  realtime::Loop& loop_;
  px::ChannelSet channels_;
  std::map<std::string, Joined> joined_;  // by Phoenix topic
  std::string tag_;                       // this socket, in the envelopes of its broadcasts (self)
  std::unique_ptr<simdjson::dom::parser> parser_;  // row JSON (postgres_changes.cpp)
  std::shared_ptr<realtime::Session> core_;  // from the first join with a user token
  std::shared_ptr<realtime::RateBucket> bucket_;  // the socket's rate limit, anonymous or not (act())
  // A private channel's core subscription, by core topic (thread:<id>) -> Phoenix topic.
  std::map<std::string, std::string> private_subs_;
  // The outcome of the core subscribe under way for a join, set by subscribed()/error().
  std::optional<std::string> subscribe_error_;
  bool subscribe_ok_ = false;
};

}  // namespace techpulse::gateway::dialect::phoenix
