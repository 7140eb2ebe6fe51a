#pragma once
// The pure part of the HTTP front door: given one parsed request, the configuration and the time, which route it
// takes or why it is refused. No sockets, no database, no logging, so it can be unit-tested and fuzzed
// (tests/fuzz/upgrade_fuzz.cpp); serve_http (http_session.cpp) performs what it decides.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/config.hpp"
#include "gateway/jwt.hpp"

namespace techpulse::gateway {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpRequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// The header and body limits of every request serve_http reads.
constexpr size_t kHttpHeaderLimit = 16 * 1024;
constexpr size_t kHttpBodyLimit = 16 * 1024;
void apply_request_limits(HttpRequestParser& parser);

enum class Route {
  healthz,    // 200 {"status":"ok"}
  readyz,     // the caller asks the database
  websocket,  // the token is valid: the caller looks up the profile of `claims.sub`, then upgrades
  phoenix,    // /realtime/v1/websocket with an apikey: the Phoenix dialect (tokens come in its joins)
  metrics,    // GET /metrics (Prometheus), when --metrics-listen is not set
  refuse,     // answer `status` with {"error":code,"message":message}
};

// Why a request was refused, for the caller's log line (the message never contains the token).
// admission: the core refused the token's user (no profile) or the database was unreachable.
enum class RefusalKind { none, bad_handshake, origin, no_token, bad_token, no_upgrade, no_route, admission };
// A refusal of a request to /v1/ws (techpulse_http_upgrades_refused_total counts these).
inline bool refuses_upgrade(RefusalKind k) { return k != RefusalKind::none && k != RefusalKind::no_route; }

struct Decision {
  Route route = Route::refuse;
  // refuse:
  boost::beast::http::status status = boost::beast::http::status::not_found;
  std::string_view code;       // a protocol-v1 error code
  std::string message;
  RefusalKind kind = RefusalKind::none;
  bool close = false;          // refusals of an upgrade end the connection
  bool upgrade_header = false;  // 426 carries `Upgrade: websocket`
  bool version_header = false;  // 426 carries `Sec-WebSocket-Version: 13` (an upgrade of another version)
  // websocket:
  Claims claims;
  bool echo_subprotocol = false;  // the client offered techpulse.v1 in Sec-WebSocket-Protocol
  // phoenix:
  bool phoenix_v2 = false;  // vsn=2.0.0 (else 1.0.0)
};

// The value of query parameter `name` of a request target, percent-decoded; "" when absent.
std::string query_param(std::string_view target, std::string_view name);

// Routes /healthz, /readyz, /metrics (only without --metrics-listen: with it, 404 here), /v1/ws (the upgrade: a
// Sec-WebSocket-Key that is the base64 of 16 bytes, else 400; the Origin allow-list; then the token from
// ?access_token= or Authorization: Bearer, verified by the one verifier at `now`, seconds since the epoch) and
// /realtime/v1/websocket (Supabase's endpoint: the same key check and Origin allow-list, an apikey, vsn 1.0.0 or
// 2.0.0; its tokens come with each join, see gateway/dialect/phoenix/).
Decision decide(const HttpRequest& req, const Config& config, int64_t now);

// What both upgrade routes refuse first, in this order: a Sec-WebSocket-Key that is not the base64 of 16 bytes
// (400), a Sec-WebSocket-Version other than 13 (426), an Origin not permitted (403); nothing when the handshake may
// go on.
std::optional<Decision> refuse_handshake(const HttpRequest& req, const Config& config);

// Helpers decide uses, exposed for tests.
std::string percent_decode(std::string_view s);
struct TargetAndToken {
  std::string_view path;  // the request target without its query (a view into the request)
  std::string token;      // from ?access_token= (percent-decoded), else Authorization: Bearer; empty: none
};
TargetAndToken find_token(const boost::beast::http::request_header<>& req);
bool offers_subprotocol(const HttpRequest& req);
// RFC 6455 4.2.1: the key is the base64 (standard alphabet, padded) of exactly 16 bytes, so 24 characters of which
// the last two are "==" and the 22nd carries no bits beyond the 16th byte.
bool valid_websocket_key(std::string_view key);
// An empty list allows every Origin; otherwise the Origin must be one of the comma-separated entries.
bool origin_allowed(std::string_view list, std::string_view origin);
// A browser request may proceed: no Origin, an Origin in --allowed-origins, or the gateway's own origin (the page
// it served itself, http(s)://<Host>), so the web app at / works behind any allow-list.
bool origin_permitted(const boost::beast::http::request_header<>& req, const Config& config);

}  // namespace techpulse::gateway
