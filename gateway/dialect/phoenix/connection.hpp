#pragma once
// dialect/phoenix: the Phoenix channel protocol of @supabase/realtime-js (docs/supabase-compat.md) on
// /realtime/v1/websocket, a peer of techpulse.v1 on the same realtime core. It translates and decides nothing:
// the Phoenix rules of a socket are protocol/phoenix/channels.hpp; identity, authorization (private thread:/ticket:
// channels are core subscriptions), revocation, token renewal and expiry, and the rate limit are the core's
// (gateway/realtime/). Tokens are verified by the one verifier (jwt_keys(config)).
//
// What this first version does: heartbeats, joins (public, and private for authenticated users; thread:<uuid> and
// ticket:<uuid> only for those the core admits), leaves, access_token, the system error and phx_close on token
// expiry or revocation, presence_state on join. Not yet: postgres_changes delivery, broadcast and presence
// fan-out (answered with a clear error), POST /realtime/v1/api/broadcast.
#include <map>
#include <memory>
#include <string>

#include "gateway/dialect/wire.hpp"
#include "gateway/realtime/session.hpp"
#include "protocol/phoenix/channels.hpp"

namespace techpulse::gateway::dialect::phoenix {

namespace px = protocol::phoenix;

class Connection final : public realtime::Sink, public Endpoint {
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
  void threads(std::string_view, const std::vector<std::string>&, bool, std::string_view) override {}
  void authenticated(std::string_view ref, int64_t exp) override {}
  // Chat messages of a private thread:/ticket: channel's core subscription are not forwarded (the channel is for
  // broadcast and presence; rows come through postgres_changes).
  void deliver(const realtime::SharedEvent&) override {}
  void close(realtime::CloseReason reason, std::string_view why) override;

 private:
  boost::asio::awaitable<void> act(px::Step step);
  boost::asio::awaitable<void> join(const px::Intent& in);
  void access_token(const px::Intent& in);
  void send(std::string text);
  // The system error then phx_close of one channel (token expired, access revoked).
  void shut(const std::string& topic, std::string_view message);

  Wire& wire_;
  realtime::Services& svc_;
  realtime::Loop& loop_;
  px::ChannelSet channels_;
  std::shared_ptr<realtime::Session> core_;  // from the first join with a user token
  // A private channel's core subscription, by core topic (thread:<id>) -> Phoenix topic.
  std::map<std::string, std::string> private_subs_;
  // The outcome of the core subscribe under way for a join, set by subscribed()/error().
  std::optional<std::string> subscribe_error_;
  bool subscribe_ok_ = false;
};

}  // namespace techpulse::gateway::dialect::phoenix
