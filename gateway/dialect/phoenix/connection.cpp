#include "gateway/dialect/phoenix/connection.hpp"

#include <chrono>

#include <simdjson.h>

#include "gateway/dialect/phoenix/private_channel.hpp"
#include "gateway/jwt.hpp"
#include "protocol/phoenix/filter.hpp"
#include "protocol/uuid.hpp"

namespace techpulse::gateway::dialect::phoenix {

namespace calls = realtime::calls;

namespace {

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

Connection::Connection(Wire& wire, realtime::Services& svc, realtime::Loop& loop, px::Vsn vsn)
    : wire_(wire), svc_(svc), loop_(loop), channels_(vsn), tag_(protocol::new_uuid()),
      parser_(std::make_unique<simdjson::dom::parser>()), bucket_(std::make_shared<realtime::RateBucket>()) {}

Connection::~Connection() {
  drop_all();
  if (core_) core_->close();
}

std::string Connection::label() const { return core_ ? core_->session_id() : std::string(); }

void Connection::on_idle() {
  if (core_) core_->output_idle();
}

void Connection::on_closed() {
  drop_all();
  if (core_) core_->close();
}

void Connection::drop(const std::string& topic) {
  auto it = joined_.find(topic);
  if (it == joined_.end()) return;
  auto& j = it->second;
  leave_presence(j);
  loop_.hub.leave_channel(realtime::channel_key(j.name, j.is_private), this);
  if (j.watching && core_) core_->unwatch_rows();
  if (core_ && j.is_private && private_subs_.erase(j.name)) core_->unsubscribe(calls::Unsubscribe{"", j.name});
  joined_.erase(it);
}

void Connection::drop_all() {
  while (!joined_.empty()) drop(joined_.begin()->first);
}

void Connection::send(std::string text) {
  if (!text.empty()) wire_.send(std::make_shared<const std::string>(std::move(text)));
}

boost::asio::awaitable<void> Connection::on_text(std::string_view text) {
  auto step = channels_.on_text(text);
  co_await act(std::move(step));
}

boost::asio::awaitable<void> Connection::on_binary(std::string_view data) {
  auto step = channels_.on_binary(data);
  co_await act(std::move(step));
}

boost::asio::awaitable<void> Connection::act(px::Step step) {
  // The core's rate limit covers every frame that asks for something (heartbeats and unparsable frames are only
  // answered), per socket: one bucket, given to the core session once the socket has one (admit_frame), applied
  // here with the core's rule while it is anonymous.
  // A leave is never refused: it only frees what a join took, and the ChannelSet has closed the channel already.
  const bool limited = step.intent.kind != px::Intent::none && step.intent.kind != px::Intent::leave &&
                       !(core_ ? core_->admit_frame("phx-rate") : realtime::take_rate_token(svc_.config, *bucket_));
  if (limited) {
    if (step.intent.kind == px::Intent::join) {
      // A second join of a joined topic: the ChannelSet closed the old channel (its phx_close is a reply), so the
      // socket does too; the new join is refused.
      for (auto& r : step.replies) send(std::move(r));
      drop(step.intent.topic);
    }
    send(channels_.reply(step.intent, false,
                         px::reason_response("ChannelRateLimitReached: Too many messages per second")));
    co_return;
  }
  for (auto& r : step.replies) send(std::move(r));
  auto& in = step.intent;
  switch (in.kind) {
    case px::Intent::none: break;
    case px::Intent::join:
      drop(in.topic);  // a second join of a joined topic: the ChannelSet closed the first
      co_await join(in);
      break;
    case px::Intent::leave: drop(in.topic); break;
    case px::Intent::broadcast: co_await broadcast(in); break;
    case px::Intent::presence: co_await presence(in); break;
    case px::Intent::access_token: access_token(in); break;
  }
}

boost::asio::awaitable<void> Connection::join(const px::Intent& in) {
  const auto& cfg = in.config;
  const auto name = std::string(px::ChannelSet::channel_name(in.topic));
  // The native protocol's limit on topics per session (--max-subscriptions) is also the channels one socket may
  // join: it bounds what one socket makes every node hold (presence metas, bindings). Supabase's own default for
  // max_channels_per_client is 100 too. A join of a channel already joined replaces it and is not counted.
  if (!joined_.count(in.topic) && joined_.size() >= svc_.config.max_subscriptions) {
    send(channels_.join_error(in, "ChannelRateLimitReached: Too many channels (a socket may join at most " +
                                      std::to_string(svc_.config.max_subscriptions) + ")"));
    co_return;
  }
  if (cfg.access_token) {
    auto v = verify_jwt(*cfg.access_token, jwt_keys(svc_.config), unix_now());
    if (auto* why = std::get_if<std::string>(&v)) {
      send(channels_.join_error(in, "InvalidJWTToken: " + *why));
      co_return;
    }
    const auto& claims = std::get<Claims>(v);
    if (!core_) {
      std::string sub_id = claims.sub;
      int64_t exp = claims.exp;
      auto admission = co_await realtime::admit(svc_, sub_id, exp);
      if (admission.status != realtime::Admission::ok) {
        send(channels_.join_error(in, "Unauthorized: " + admission.message));
        co_return;
      }
      if (!core_) {  // another join may have made it while this one waited
        core_ = std::make_shared<realtime::Session>(svc_, loop_, std::move(admission.identity), *this, wire_, bucket_);
        core_->open();
      }
    }
    if (core_->identity().user_id != std::get<Claims>(v).sub) {
      send(channels_.join_error(in, "Unauthorized: this socket already belongs to another user"));
      co_return;
    }
  }
  if (cfg.is_private) {
    if (!cfg.access_token || !core_) {
      send(channels_.join_error(in, "Unauthorized: a private channel needs a user token"));
      co_return;
    }
    if (is_core_topic(name) && !private_subs_.count(name)) {
      // The core decides who may read the thread or ticket, and revokes it live (unsubscribed()).
      subscribe_error_.reset();
      subscribe_ok_ = false;
      // A named call: g++ 12 miscompiles temporaries inside a co_await expression (see storage/pg_conn.hpp).
      calls::Subscribe sub{"phx-join", name, std::nullopt};
      co_await core_->subscribe(sub);
      if (!subscribe_ok_) {
        send(channels_.join_error(
            in, "Unauthorized: You do not have permissions to read from this Channel topic: " + name +
                    (subscribe_error_ ? " (" + *subscribe_error_ + ")" : std::string())));
        co_return;
      }
      private_subs_[name] = in.topic;
    }
  }
  // postgres_changes: each binding echoed with its id; an unusable binding (an unknown operator, table or column)
  // is a system error naming it, and the channel then gets no rows.
  std::vector<px::CompiledBinding> bindings;
  std::string pg_error;
  if (!cfg.postgres_changes.empty()) {
    auto compiled = co_await compile(cfg);
    if (auto* why = std::get_if<std::string>(&compiled)) pg_error = *why;
    else bindings = std::move(std::get<std::vector<px::CompiledBinding>>(compiled));
  }
  std::vector<int64_t> ids;
  for (size_t i = 0; i < cfg.postgres_changes.size(); ++i) {
    ids.push_back(i < bindings.size() ? bindings[i].id : static_cast<int64_t>(i) + 1);
  }
  Joined j;
  j.name = name;
  j.is_private = cfg.is_private;
  j.self = cfg.broadcast_self;
  j.ack = cfg.broadcast_ack;
  j.bindings = std::move(bindings);
  j.presence = cfg.presence_enabled;
  j.presence_key = cfg.presence_key.empty() ? protocol::new_uuid() : cfg.presence_key;
  bool since = false;
  for (const auto& b : j.bindings) since = since || b.since.has_value();
  if (core_ && !j.bindings.empty()) {
    // Before the reply: every change committed after it is offered.
    auto core = core_;
    if (!co_await core->watch_rows()) pg_error = "the database is unreachable; rows may be late";
    if (core_ != core) {
      core->unwatch_rows();
      co_return;  // the session ended meanwhile (token expired): its channels are closed
    }
    j.watching = true;
  }
  j.replaying = since && j.watching;
  loop_.hub.join_channel(realtime::channel_key(name, cfg.is_private), this);
  joined_[in.topic] = std::move(j);
  send(channels_.join_ok(in, px::join_response(cfg.postgres_changes, ids)));
  if (cfg.presence_enabled) co_await send_presence_state(in.topic);
  if (!cfg.postgres_changes.empty() && joined_.count(in.topic)) {
    if (pg_error.empty()) {
      send(channels_.push(in.topic, "system", px::system_payload("postgres_changes", true, "Subscribed to PostgreSQL", name)));
    } else {
      send(channels_.push(in.topic, "system", px::system_payload("postgres_changes", false, pg_error, name)));
    }
  }
  if (joined_.count(in.topic) && joined_[in.topic].replaying) co_await replay(in.topic);
}

void Connection::access_token(const px::Intent& in) {
  if (!in.token || !core_) return;  // null, sb_ keys, or an anonymous socket: nothing changes
  auto v = verify_jwt(*in.token, jwt_keys(svc_.config), unix_now());
  if (auto* why = std::get_if<std::string>(&v)) {
    shut(in.topic, "InvalidJWTToken: " + *why);
    return;
  }
  // The core renews the session's token (same sub) and re-arms its expiry; a refusal comes back as error().
  core_->renew_auth(calls::RenewAuth{"phx-auth:" + in.topic, *in.token});
}

void Connection::shut(const std::string& topic, std::string_view message) {
  send(channels_.push(topic, "system",
                      px::system_payload("system", false, message, px::ChannelSet::channel_name(topic))));
  send(channels_.close(topic));
  drop(topic);
}

void Connection::error(std::string_view ref, realtime::ErrorCode, std::string_view message) {
  if (ref == "phx-join") {
    subscribe_error_ = std::string(message);
    return;
  }
  if (ref.substr(0, 9) == "phx-auth:") {
    std::string topic(ref.substr(9));
    if (channels_.joined(topic)) shut(topic, std::string("InvalidJWTToken: ") + std::string(message));
  }
}

void Connection::subscribed(std::string_view ref, std::string_view, std::optional<int64_t>) {
  if (ref == "phx-join") subscribe_ok_ = true;
}

void Connection::unsubscribed(std::string_view ref, std::string_view topic, std::string_view reason) {
  // The core revoked a private channel's subscription (its thread or ticket is no longer readable).
  auto it = private_subs_.find(std::string(topic));
  if (it == private_subs_.end()) return;
  auto phx_topic = it->second;
  private_subs_.erase(it);
  if (channels_.joined(phx_topic)) {
    send(channels_.push(phx_topic, "system", px::system_payload("system", false, "Unauthorized: access revoked",
                                                                px::ChannelSet::channel_name(phx_topic))));
    send(channels_.close(phx_topic));
  }
  drop(phx_topic);
}

void Connection::close(realtime::CloseReason reason, std::string_view why) {
  if (reason == realtime::CloseReason::going_away) {
    wire_.close(1001, why, metrics::CloseReason::shutdown);
    return;
  }
  // The token expired (or the profile is gone): every channel gets the system error, then phx_close; the socket
  // stays (heartbeats go on) and a new join needs a new token.
  const std::string message = why == "token expired" ? "Token has expired 0 seconds ago" : std::string(why);
  for (const auto& topic : channels_.topics()) {
    send(channels_.push(topic, "system", px::system_payload("system", false, message,
                                                            px::ChannelSet::channel_name(topic))));
    send(channels_.close(topic));
  }
  drop_all();
  private_subs_.clear();
  auto core = std::move(core_);
  if (core) core->close();
}

}  // namespace techpulse::gateway::dialect::phoenix
