#include "gateway/dialect/phoenix/connection.hpp"

#include <chrono>

#include "gateway/jwt.hpp"
#include "protocol/phoenix/filter.hpp"

namespace techpulse::gateway::dialect::phoenix {

namespace calls = realtime::calls;

namespace {

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool is_core_topic(std::string_view name) {
  return name.substr(0, 7) == "thread:" || name.substr(0, 7) == "ticket:";
}

}  // namespace

Connection::Connection(Wire& wire, realtime::Services& svc, realtime::Loop& loop, px::Vsn vsn)
    : wire_(wire), svc_(svc), loop_(loop), channels_(vsn) {}

Connection::~Connection() {
  if (core_) core_->close();
}

std::string Connection::label() const { return core_ ? core_->session_id() : std::string(); }

void Connection::on_idle() {
  if (core_) core_->output_idle();
}

void Connection::on_closed() {
  if (core_) core_->close();
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
  // The core's rate limit covers every frame of a socket that has a core session.
  if (core_ && step.intent.kind != px::Intent::none && !core_->admit_frame("phx-rate")) {
    send(channels_.reply(step.intent, false,
                         px::reason_response("ChannelRateLimitReached: Too many messages per second")));
    co_return;
  }
  for (auto& r : step.replies) send(std::move(r));
  auto& in = step.intent;
  switch (in.kind) {
    case px::Intent::none: break;
    case px::Intent::join: co_await join(in); break;
    case px::Intent::leave: {
      auto name = std::string(px::ChannelSet::channel_name(in.topic));
      if (core_ && private_subs_.erase(name)) core_->unsubscribe(calls::Unsubscribe{"", name});
      break;
    }
    case px::Intent::broadcast:
      send(channels_.reply(in, false, px::reason_response("broadcast is not available on this gateway yet")));
      break;
    case px::Intent::presence:
      send(channels_.reply(in, false, px::reason_response("presence is not available on this gateway yet")));
      break;
    case px::Intent::access_token: access_token(in); break;
  }
}

boost::asio::awaitable<void> Connection::join(const px::Intent& in) {
  const auto& cfg = in.config;
  const auto name = std::string(px::ChannelSet::channel_name(in.topic));
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
        core_ = std::make_shared<realtime::Session>(svc_, loop_, std::move(admission.identity), *this, wire_);
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
  // postgres_changes: each binding echoed with an id; the filter checked (an unknown operator is a system error
  // naming it). Delivery is not built yet: the channel says so in a system message rather than staying silent.
  std::vector<int64_t> ids;
  std::string pg_error;
  for (size_t i = 0; i < cfg.postgres_changes.size(); ++i) {
    ids.push_back(static_cast<int64_t>(i) + 1);
    auto f = px::parse_filter(cfg.postgres_changes[i].filter);
    if (auto* why = std::get_if<std::string>(&f); why && pg_error.empty()) pg_error = *why;
  }
  send(channels_.join_ok(in, px::join_response(cfg.postgres_changes, ids)));
  if (cfg.presence_enabled) send(channels_.push(in.topic, "presence_state", "{}"));
  if (!cfg.postgres_changes.empty()) {
    if (pg_error.empty()) pg_error = "postgres_changes is not available on this gateway yet";
    send(channels_.push(in.topic, "system", px::system_payload("postgres_changes", false, pg_error, name)));
  }
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
  auto name = std::string(px::ChannelSet::channel_name(topic));
  if (core_ && private_subs_.erase(name)) core_->unsubscribe(calls::Unsubscribe{"", name});
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
}

void Connection::close(realtime::CloseReason reason, std::string_view why) {
  if (reason == realtime::CloseReason::going_away) {
    wire_.close(1001, why);
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
  private_subs_.clear();
  auto core = std::move(core_);
  if (core) core->close();
}

}  // namespace techpulse::gateway::dialect::phoenix
