#include "gateway/dialect/phoenix/rest_broadcast.hpp"

#include <chrono>
#include <map>
#include <variant>
#include <vector>

#include "gateway/dialect/phoenix/private_channel.hpp"
#include "gateway/jwt.hpp"
#include "gateway/realtime/channels.hpp"
#include "gateway/realtime/session.hpp"
#include "gateway/realtime/topic_access.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/phoenix/rest.hpp"

namespace techpulse::gateway::dialect::phoenix {

namespace px = protocol::phoenix;

namespace {

RestResult failure(int status, std::string_view message) {
  RestResult r;
  r.status = status;
  r.body.clear();
  protocol::JsonWriter w(r.body);
  w.begin_object().field("error", message).end_object();
  return r;
}

// The sender: its token verified and its profile admitted, or the refusal.
boost::asio::awaitable<std::variant<realtime::Identity, RestResult>> sender(realtime::Services& svc,
                                                                            const std::string& authorization) {
  constexpr std::string_view bearer = "Bearer ";
  if (authorization.size() <= bearer.size() || std::string_view(authorization).substr(0, bearer.size()) != bearer) {
    co_return failure(401, "Authorization: Bearer <user token> is required");
  }
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto v = verify_jwt(std::string_view(authorization).substr(bearer.size()), jwt_keys(svc.config), now);
  if (auto* why = std::get_if<std::string>(&v)) co_return failure(401, "InvalidJWTToken: " + *why);
  const auto& claims = std::get<Claims>(v);
  std::string sub = claims.sub;
  auto admission = co_await realtime::admit(svc, sub, claims.exp);
  if (admission.status == realtime::Admission::unavailable) co_return failure(503, admission.message);
  if (admission.status != realtime::Admission::ok) co_return failure(401, "Unauthorized: " + admission.message);
  co_return std::move(admission.identity);
}

// The one path of both forms after the sender: every private channel decided, then the messages published in order.
boost::asio::awaitable<RestResult> publish(realtime::Services& svc, const realtime::Identity& who,
                                           std::vector<px::RestBroadcast>& messages) {
  // Every private channel of the call is decided before anything is published (each name asked once).
  std::map<std::string, bool> decided;
  for (const auto& m : messages) {
    if (!m.is_private || !is_core_topic(m.topic) || decided.count(m.topic)) continue;
    std::string user = who.user_id;
    std::string topic = m.topic;
    auto verdict = co_await realtime::topic_access(svc, user, topic);
    if (verdict.status == realtime::TopicVerdict::unavailable) co_return failure(503, verdict.message);
    if (verdict.status != realtime::TopicVerdict::allowed) {
      co_return failure(403, "Unauthorized: You do not have permissions to broadcast to this Channel topic: " +
                                 m.topic + " (" + verdict.message + ")");
    }
    decided[m.topic] = true;
  }
  for (auto& m : messages) {
    storage::BroadcastMessage out;
    out.topic = std::move(m.topic);
    out.event = std::move(m.event);
    out.is_private = m.is_private;
    out.json = m.json;
    out.payload = std::move(m.payload);
    auto r = co_await realtime::publish_broadcast(svc, out);
    if (r.status == realtime::PublishOutcome::too_large) co_return failure(413, r.message);
    if (r.status != realtime::PublishOutcome::ok) co_return failure(503, r.message);
  }
  co_return RestResult{};
}

}  // namespace

boost::asio::awaitable<RestResult> rest_broadcast(realtime::Services& svc, const std::string& authorization,
                                                  const std::string& body) {
  auto who = co_await sender(svc, authorization);
  if (auto* refused = std::get_if<RestResult>(&who)) co_return std::move(*refused);
  auto parsed = px::parse_rest_broadcast(body, realtime::kMaxBroadcastPayload);
  if (auto* e = std::get_if<px::RestError>(&parsed)) co_return failure(e->status, e->message);
  auto& messages = std::get<std::vector<px::RestBroadcast>>(parsed);
  co_return co_await publish(svc, std::get<realtime::Identity>(who), messages);
}

boost::asio::awaitable<RestResult> http_send(realtime::Services& svc, const std::string& authorization,
                                             const px::HttpSendTarget& target, const std::string& body) {
  auto who = co_await sender(svc, authorization);
  if (auto* refused = std::get_if<RestResult>(&who)) co_return std::move(*refused);
  if (target.persist) co_return failure(400, "persist is not supported: this gateway does not store broadcasts");
  auto parsed = px::parse_http_send(target.room, target.event, target.is_private, target.binary, body,
                                    realtime::kMaxBroadcastPayload);
  if (auto* e = std::get_if<px::RestError>(&parsed)) co_return failure(e->status, e->message);
  std::vector<px::RestBroadcast> messages{std::move(std::get<px::RestBroadcast>(parsed))};
  co_return co_await publish(svc, std::get<realtime::Identity>(who), messages);
}

}  // namespace techpulse::gateway::dialect::phoenix
