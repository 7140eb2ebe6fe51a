#include "gateway/web/routes.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <variant>

#include "gateway/jwt.hpp"
#include "gateway/log.hpp"
#include "protocol/json_writer.hpp"
#include "storage/ticket_store.hpp"

namespace techpulse::gateway::web {

namespace http = boost::beast::http;

namespace {

HttpResponse json_response(const HttpRequest& req, http::status status, std::string body) {
  HttpResponse res{status, req.version()};
  res.set(http::field::server, "techpulse-gateway");
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  set_security_headers(res);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

HttpResponse error_response(const HttpRequest& req, http::status status, std::string_view code,
                            std::string_view message) {
  std::string out;
  protocol::JsonWriter w(out);
  w.begin_object().field("error", code).field("message", message).end_object();
  return json_response(req, status, std::move(out));
}

// The user of a GET's bearer token, or the response that refuses the request. The same Origin rule as the upgrade,
// so a page of another site cannot read it with a stolen token's help.
std::variant<std::string, HttpResponse> bearer_user(realtime::Services& svc, const HttpRequest& req) {
  if (req.method() != http::verb::get) {
    return error_response(req, http::status::method_not_allowed, "bad_request", "only GET is supported");
  }
  if (!origin_permitted(req, svc.config)) {
    return error_response(req, http::status::forbidden, "forbidden", "this Origin may not connect");
  }
  auto auth = req[http::field::authorization];
  if (auth.size() <= 7 || (auth.substr(0, 7) != "Bearer " && auth.substr(0, 7) != "bearer ")) {
    return error_response(req, http::status::unauthorized, "unauthorized", "an access token is required");
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  auto v = verify_jwt(auth.substr(7), svc.config.jwt_secret, now);
  if (auto* why = std::get_if<std::string>(&v)) {
    return error_response(req, http::status::unauthorized, "unauthorized", *why);
  }
  return std::get<Claims>(v).sub;
}

// GET /v1/tickets with Authorization: Bearer <jwt>: {"tickets":[...]} assigned to the token's user.
boost::asio::awaitable<HttpResponse> tickets(realtime::Services& svc, const HttpRequest& req) {
  auto who = bearer_user(svc, req);
  if (auto* refused = std::get_if<HttpResponse>(&who)) co_return std::move(*refused);
  std::string sub = std::get<std::string>(who);
  auto op = storage::assigned_tickets(svc.store.pool(), sub);
  auto r = co_await boost::asio::co_spawn(svc.store.executor(), std::move(op), boost::asio::use_awaitable);
  if (!r.ok()) {
    if (!r.error.unavailable()) log(Level::error, "tickets_failed", "user={} error={}", sub, quoted(r.error.message));
    co_return error_response(req, http::status::service_unavailable, "unavailable",
                             "the database is unreachable; retry");
  }
  if (!r.value->role) {
    co_return error_response(req, http::status::unauthorized, "unauthorized", "no profile exists for this token's sub");
  }
  co_return json_response(req, http::status::ok, "{\"tickets\":" + r.value->tickets_json + "}");
}

}  // namespace

boost::asio::awaitable<std::optional<HttpResponse>> route(realtime::Services& svc, const HttpRequest& req) {
  std::string_view path = req.target();
  path = path.substr(0, path.find('?'));
  if (path == "/v1/tickets") co_return co_await tickets(svc, req);
  co_return serve_static(req, svc.config.web_root);
}

}  // namespace techpulse::gateway::web
