// libFuzzer target: the HTTP front door. The input is the byte stream a client sends on one connection; it is
// parsed request after request (keep-alive, pipelining) by the Beast parser with serve_http's limits, and each
// request that parses goes through gateway::decide, the function serve_http acts on, under two configurations
// (no Origin allow-list, and one), and through the REST broadcast routes (broadcast_routes.hpp: an httpSend target
// that splits is on the http_send route and has a room and an event). A request that does not parse ends the
// connection, as in serve_http (400).
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "gateway/transport/broadcast_routes.hpp"
#include "gateway/transport/upgrade.hpp"
#include "protocol/uuid.hpp"

using namespace techpulse::gateway;
namespace http = boost::beast::http;

namespace {

constexpr int64_t kNow = 1'700'000'000;  // tests/fuzz/make_corpus.py mints its tokens for this time

Config make_config(std::string origins) {
  Config c;
  c.jwt_secret = "fuzz-secret-with-at-least-32-characters-0123456789";
  c.allowed_origins = std::move(origins);
  return c;
}

void check(const HttpRequest& req, const Config& cfg, const Decision& d) {
  auto [path, token] = find_token(req);
  switch (d.route) {
    case Route::websocket:
      FUZZ_CHECK(path == "/v1/ws" && boost::beast::websocket::is_upgrade(req));
      FUZZ_CHECK(!token.empty());
      FUZZ_CHECK(valid_websocket_key(req[http::field::sec_websocket_key]));
      FUZZ_CHECK(req[http::field::sec_websocket_version] == "13");
      FUZZ_CHECK(techpulse::protocol::is_uuid(d.claims.sub) && d.claims.exp > kNow);
      FUZZ_CHECK(req[http::field::origin].empty() || origin_allowed(cfg.allowed_origins, req[http::field::origin]));
      break;
    case Route::phoenix:
      // Supabase's endpoint: no token at the upgrade, but an apikey and a known vsn.
      FUZZ_CHECK(path == "/realtime/v1/websocket" && boost::beast::websocket::is_upgrade(req));
      FUZZ_CHECK(valid_websocket_key(req[http::field::sec_websocket_key]) && req[http::field::sec_websocket_version] == "13");
      FUZZ_CHECK(req[http::field::origin].empty() || origin_allowed(cfg.allowed_origins, req[http::field::origin]));
      break;
    case Route::healthz: FUZZ_CHECK(path == "/healthz"); break;
    case Route::readyz: FUZZ_CHECK(path == "/readyz"); break;
    case Route::refuse:
      FUZZ_CHECK(!d.code.empty() && !d.message.empty() && d.kind != RefusalKind::none);
      FUZZ_CHECK(d.message.size() <= 64);  // fixed texts: a token is never echoed back
      switch (d.status) {
        case http::status::unauthorized:
        case http::status::forbidden:
          FUZZ_CHECK(d.close && (path == "/v1/ws" || path == "/realtime/v1/websocket"));
          break;
        case http::status::bad_request:
          FUZZ_CHECK(d.close && (path == "/v1/ws" || path == "/realtime/v1/websocket"));
          if (path == "/v1/ws")
            FUZZ_CHECK(d.kind == RefusalKind::bad_handshake && !valid_websocket_key(req[http::field::sec_websocket_key]));
          break;
        case http::status::upgrade_required:
          // /v1/ws without an upgrade, or an upgrade (either endpoint) of a version other than 13.
          FUZZ_CHECK(d.upgrade_header);
          if (d.version_header) {
            FUZZ_CHECK(d.close && req[http::field::sec_websocket_version] != "13" &&
                       (path == "/v1/ws" || path == "/realtime/v1/websocket"));
          } else {
            FUZZ_CHECK(path == "/v1/ws");
          }
          break;
        case http::status::not_found: FUZZ_CHECK(path != "/v1/ws" && path != "/healthz" && path != "/readyz"); break;
        default: FUZZ_CHECK(false && "unexpected status");
      }
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Config open = make_config("");
  static const Config listed = make_config("https://app.techpulse.example, http://localhost:3000");
  std::string_view in(reinterpret_cast<const char*>(data), size);

  // Each pass consumes at least one byte or stops, so the loop ends.
  while (!in.empty()) {
    HttpRequestParser parser;
    apply_request_limits(parser);
    parser.eager(true);
    boost::system::error_code ec;
    size_t used = 0;
    while (!parser.is_done()) {
      size_t n = parser.put(boost::asio::buffer(in.data() + used, in.size() - used), ec);
      used += n;
      if (ec == http::error::need_more) {
        if (n > 0 && used < in.size()) {
          ec = {};
          continue;
        }
        parser.put_eof(ec);  // no more bytes: the client closed the connection
        break;
      }
      if (ec || n == 0) break;
    }
    if (ec || !parser.is_done()) return 0;  // serve_http answers 400 (or nothing on EOF) and closes
    in.remove_prefix(used);
    FUZZ_CHECK(used > 0);
    auto req = parser.release();
    for (const Config* cfg : {&open, &listed}) {
      auto d = decide(req, *cfg, kNow);
      check(req, *cfg, d);
    }
    std::string_view target = req.target();
    if (auto t = http_send_target(target, req[http::field::content_type])) {
      FUZZ_CHECK(broadcast_route(http::verb::post, target.substr(0, target.find('?'))) == BroadcastRoute::http_send);
      FUZZ_CHECK(!t->room.empty() && !t->event.empty());
    }
    if (!req.keep_alive()) return 0;
  }
  return 0;
}
