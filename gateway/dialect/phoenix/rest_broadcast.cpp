#include "gateway/dialect/phoenix/rest_broadcast.hpp"

#include <chrono>

#include "gateway/jwt.hpp"
#include "gateway/realtime/channels.hpp"
#include "gateway/realtime/session.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/phoenix/rest.hpp"

namespace techpulse::gateway::dialect::phoenix {

namespace {
RestResult failure(int status, std::string_view message) {
  RestResult r;
  r.status = status;
  r.body.clear();
  protocol::JsonWriter w(r.body);
  w.begin_object().field("error", message).end_object();
  return r;
}
}  // namespace

boost::asio::awaitable<RestResult> rest_broadcast(realtime::Services& svc, const std::string& authorization,
                                                  const std::string& body) {
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

  auto parsed = protocol::phoenix::parse_rest_broadcast(body, realtime::kMaxBroadcastPayload);
  if (auto* e = std::get_if<protocol::phoenix::RestError>(&parsed)) co_return failure(e->status, e->message);
  auto& messages = std::get<std::vector<protocol::phoenix::RestBroadcast>>(parsed);
  for (const auto& m : messages) {
    if (m.is_private) {
      co_return failure(403, "private channels take broadcasts from their joined members only (over the WebSocket)");
    }
  }
  for (auto& m : messages) {
    storage::BroadcastMessage out;
    out.topic = std::move(m.topic);
    out.event = std::move(m.event);
    out.payload = std::move(m.payload);
    auto r = co_await realtime::publish_broadcast(svc, out);
    if (r.status == realtime::PublishOutcome::too_large) co_return failure(413, r.message);
    if (r.status != realtime::PublishOutcome::ok) co_return failure(503, r.message);
  }
  co_return RestResult{};
}

}  // namespace techpulse::gateway::dialect::phoenix
