#include "gateway/transport/http_session.hpp"

#include "gateway/dialect/phoenix/connection.hpp"
#include "gateway/dialect/phoenix/rest_broadcast.hpp"
#include "gateway/dialect/techpulse_v1/connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>

#include "gateway/dialect/http_v1/endpoint.hpp"
#include "gateway/jwt.hpp"
#include "gateway/log.hpp"
#include "gateway/transport/attachments_http.hpp"
#include "gateway/transport/broadcast_routes.hpp"
#include "gateway/transport/metrics_http.hpp"
#include "logging/rate_limit.hpp"
#include "gateway/transport/upgrade.hpp"
#include "gateway/transport/ws_session.hpp"
#include "gateway/realtime/on_store.hpp"
#include "gateway/web/routes.hpp"
#include "metrics/metrics.hpp"
#include "protocol/json_writer.hpp"

namespace techpulse::gateway {

namespace http = beast::http;
using realtime::on_store;

namespace {

std::string json_body(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  std::string out;
  protocol::JsonWriter w(out);
  w.begin_object();
  for (auto& [k, v] : fields) w.field(k, v);
  w.end_object();
  return out;
}

http::response<http::string_body> make_response(const http::request<http::string_body>& req, http::status status,
                                                 std::string body) {
  http::response<http::string_body> res{status, req.version()};
  res.set(http::field::server, "techpulse-gateway");
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

// The TCP socket under a connection's stream: a Beast stream's (plain or under TLS), or the bare socket an upgrade
// waiting for its admission holds (PlainSocket).
template <class Stream>
auto& tcp_socket(Stream& stream) {
  auto& lowest = beast::get_lowest_layer(stream);
  if constexpr (std::is_same_v<std::decay_t<decltype(lowest)>, beast::tcp_stream>) {
    return lowest.socket();
  } else {
    return lowest;
  }
}

// The end of a connection that did not become a WebSocket: FIN after the last response; over TLS a close_notify
// first (bounded: a peer that never answers it does not hold the connection).
template <class Stream>
asio::awaitable<void> end_stream(Stream& stream) {
  boost::system::error_code ec;
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(1000));
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }
  tcp_socket(stream).shutdown(asio::ip::tcp::socket::shutdown_send, ec);
}

// The TLS handshake of a new connection, bounded by the handshake deadline. A failure (a plain http:// or ws://
// client on the TLS port, an old protocol version, a scanner) is logged at debug and closes the connection.
asio::awaitable<bool> tls_handshake(realtime::Services& svc, TlsStream& stream) {
  boost::system::error_code ec;
  auto& tcp = beast::get_lowest_layer(stream);
  tcp.expires_after(std::chrono::milliseconds(svc.config.handshake_timeout_ms));
  co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) co_return true;
  // Rate-limited even at debug: a port scanner or a misconfigured client can fail thousands of handshakes.
  static logging::RateLimiter limiter(5);
  if (log_enabled(Level::debug)) {
    if (auto admitted = limiter.admit("tls_handshake_failed", logging::RateLimiter::Clock::now()); admitted.write) {
      std::string why = ec.message();
      auto remote = tcp.socket().remote_endpoint(ec).address().to_string();
      log(Level::debug, "tls_handshake_failed", "remote={} error={} suppressed={}", quoted(remote), quoted(why),
          admitted.suppressed);
    }
  }
  tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  tcp.socket().close(ec);
  co_return false;
}

template <class Stream>
asio::awaitable<void> refuse_on(realtime::Services& svc, Stream& stream, std::string message) {
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  HttpRequestParser parser;
  apply_request_limits(parser);
  // Short: a refused connection must not hold its descriptor long.
  beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(std::min(svc.config.handshake_timeout_ms, 2000)));
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  http::request<http::string_body> req;
  req.version(11);
  if (!ec) req = parser.release();
  if (!ec && beast::websocket::is_upgrade(req)) metrics::upgrade_refused(503);  // a connection cap
  auto res = make_response(req, http::status::service_unavailable,
                           json_body({{"error", "unavailable"}, {"message", message}}));
  res.set(http::field::retry_after, "1");
  res.keep_alive(false);
  beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(2000));
  co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
}

// The answer to a request that could not be read (a malformed request, a body over its limit), after which the
// connection ends; none when the client went away or timed out.
template <class Stream>
asio::awaitable<void> answer_unreadable(Stream& stream, boost::system::error_code ec, bool rest_broadcast) {
  http::request<http::string_body> dummy;
  dummy.version(11);
  http::response<http::string_body> res;
  if (ec == http::error::body_limit && rest_broadcast) {
    res = make_response(dummy, http::status::payload_too_large,
                        json_body({{"error", "the request body is over 1 MiB; a broadcast payload is at most 256 KiB"}}));
  } else if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::connection_reset) {
    co_return;
  } else {
    const bool too_big = ec == http::error::body_limit;
    res = make_response(dummy, too_big ? http::status::payload_too_large : http::status::bad_request,
                        too_big ? json_body({{"error", "too_large"}, {"message", "the request body is too large"}})
                                : json_body({{"error", "bad_request"}, {"message", "malformed HTTP request"}}));
  }
  res.keep_alive(false);
  co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
}

// Writes `res`; true when the connection stays open for another request.
template <class Stream>
asio::awaitable<bool> write_response(Stream& stream, http::response<http::string_body>& res) {
  boost::system::error_code ec;
  bool keep = res.keep_alive();
  co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec && keep;
}

// A call of the HTTP API (gateway/dialect/http_v1/); `api` is the connection's endpoint, made on its first call.
template <class Stream>
asio::awaitable<bool> answer_api(realtime::Services& svc, realtime::Loop& loop, Stream& stream,
                                 http::request<http::string_body>& req,
                                 std::unique_ptr<dialect::http_v1::Endpoint>& api) {
  http::response<http::string_body> res;
  if (!origin_permitted(req, svc.config)) {
    res = make_response(req, http::status::forbidden,
                        json_body({{"error", "forbidden"}, {"message", "this Origin may not connect"}}));
  } else {
    if (!api) api = std::make_unique<dialect::http_v1::Endpoint>(svc, loop);
    dialect::http_v1::Request call{std::string(req.method_string()), std::string(req.target()),
                                   std::string(req[http::field::authorization]), std::string(req["Idempotency-Key"]),
                                   std::move(req.body())};
    auto reply = co_await api->serve(std::move(call));
    res = make_response(req, static_cast<http::status>(reply.status), std::move(reply.body));
    for (auto& [k, v] : reply.headers) res.set(k, v);
  }
  co_return co_await write_response(stream, res);
}

// POST /realtime/v1/api/broadcast, in either form (Supabase's REST broadcast).
template <class Stream>
asio::awaitable<bool> answer_broadcast(realtime::Services& svc, Stream& stream, http::request<http::string_body>& req,
                                       const std::optional<protocol::phoenix::HttpSendTarget>& send_target) {
  // Browsers send them cross-origin too: the same Origin rule as the upgrade.
  http::response<http::string_body> res;
  if (!origin_permitted(req, svc.config)) {
    res = make_response(req, http::status::forbidden, json_body({{"error", "this Origin may not connect"}}));
  } else {
    const std::string authorization(req[http::field::authorization]);
    const std::string body = std::move(req.body());
    dialect::phoenix::RestResult out;
    if (send_target) {
      out = co_await dialect::phoenix::http_send(svc, authorization, *send_target, body);
    } else {
      out = co_await dialect::phoenix::rest_broadcast(svc, authorization, body);
    }
    res = make_response(req, static_cast<http::status>(out.status), std::move(out.body));
  }
  co_return co_await write_response(stream, res);
}

// Every other request: the web app, /metrics, /healthz, /readyz, or the refusal `d` describes.
template <class Stream>
asio::awaitable<bool> answer_other(realtime::Services& svc, Stream& stream, http::request<http::string_body>& req,
                                   const Decision& d, bool retry_after) {
  http::response<http::string_body> res;
  std::optional<http::response<http::string_body>> app;  // the web app's routes (gateway/web/routes.hpp)
  if (d.kind == RefusalKind::no_route) app = co_await web::route(svc, req);
  if (app) {
    res = std::move(*app);
  } else if (d.route == Route::metrics) {
    res = co_await metrics_response(svc, req);
  } else if (d.route == Route::healthz) {
    res = make_response(req, http::status::ok, json_body({{"status", "ok"}}));
  } else if (d.route == Route::readyz) {
    auto check = svc.store.ready();
    auto r = co_await on_store(svc.store, std::move(check));
    if (!r.ok()) {
      res = make_response(req, http::status::service_unavailable,
                          json_body({{"status", "not_ready"}, {"reason", "database unreachable"}}));
    } else if (!*r.value) {
      res = make_response(req, http::status::service_unavailable,
                          json_body({{"status", "not_ready"}, {"reason", "migrations pending"}}));
    } else {
      res = make_response(req, http::status::ok, json_body({{"status", "ready"}}));
    }
  } else {
    boost::system::error_code ec;
    if (d.kind == RefusalKind::origin) {
      log(Level::warn, "origin_refused", "origin={}", quoted(req[http::field::origin]));
    } else if (d.kind == RefusalKind::bad_token) {
      log(Level::warn, "auth_refused", "remote={} reason={}",
          quoted(tcp_socket(stream).remote_endpoint(ec).address().to_string()), quoted(d.message));
    }
    if (refuses_upgrade(d.kind)) metrics::upgrade_refused(static_cast<int>(d.status));
    res = make_response(req, d.status, json_body({{"error", d.code}, {"message", d.message}}));
    if (d.upgrade_header) res.set(http::field::upgrade, "websocket");
    if (d.version_header) res.set(http::field::sec_websocket_version, "13");
    if (retry_after) res.set(http::field::retry_after, "1");
    if (d.close) res.keep_alive(false);
  }
  co_return co_await write_response(stream, res);
}

// The refusal of an upgrade whose admission failed (401 without a profile, 503 when the database is unreachable or
// the admission queue is full), then the connection's end.
template <class Next>
asio::awaitable<void> refuse_upgrade(realtime::Services& svc, Next next, unsigned version, realtime::Admission a) {
  http::request<http::string_body> req;
  req.version(version);
  const bool unavailable = a.status == realtime::Admission::unavailable;
  Decision d;
  d.status = unavailable ? http::status::service_unavailable : http::status::unauthorized;
  d.code = unavailable ? "unavailable" : "unauthorized";
  d.message = std::move(a.message);
  d.kind = RefusalKind::admission;
  d.close = true;
  co_await answer_other(svc, next, req, d, a.queue_full);
  co_await end_stream(next);
}

// A WebSocket upgrade waiting for its admission (realtime::admit_then): the connection (already the stream its
// session will use) and what the 101 needs, and no coroutine. A reconnect storm holds thousands of these at once;
// each was a chain of coroutine frames (serve_on's, the admission's, the storage hop's: 5.6 KB), which the burst
// left behind as fragmented free heap between the sessions made meanwhile.
template <class Next>
class PendingUpgrade final : public realtime::AdmissionWaiter {
 public:
  PendingUpgrade(realtime::Services& svc, realtime::Loop& loop, Next next, std::string key, unsigned version,
                 bool echo_subprotocol, ConnectionSlot slot)
      : svc_(svc),
        loop_(loop),
        next_(std::move(next)),
        key_(std::move(key)),
        slot_(std::move(slot)),
        version_(version),
        echo_subprotocol_(echo_subprotocol) {}

  void admitted(realtime::Admission a) override {
    if (a.status != realtime::Admission::ok) {
      asio::co_spawn(loop_.ioc, refuse_upgrade(svc_, std::move(next_), version_, std::move(a)), asio::detached);
      return;
    }
    if constexpr (std::is_same_v<Next, TlsStream>) beast::get_lowest_layer(next_).expires_never();
    auto who = std::make_shared<realtime::Identity>(std::move(a.identity));
    auto& svc = svc_;
    auto& loop = loop_;
    auto make = [&svc, &loop, who](dialect::Wire& wire) -> std::unique_ptr<dialect::Endpoint> {
      return std::make_unique<dialect::techpulse_v1::Connection>(wire, svc, loop, std::move(*who));
    };
    auto session = std::make_shared<WsSession<Next>>(svc_, loop_, std::move(next_), make, std::move(slot_));
    session->start(key_, echo_subprotocol_);
  }

 private:
  realtime::Services& svc_;
  realtime::Loop& loop_;
  Next next_;
  std::string key_;
  ConnectionSlot slot_;
  unsigned version_;
  bool echo_subprotocol_;
};

// The HTTP request loop over a plain or TLS stream (after its handshake); an upgrade moves `stream` into its
// WebSocket session (a techpulse.v1 upgrade through a PendingUpgrade while its admission waits). What is answered
// here without an upgrade is answered by the answer_* coroutines above, so that this frame stays small: every
// connection holds it until its request is read.
template <class Stream>
asio::awaitable<void> serve_on(realtime::Services& svc, realtime::Loop& loop, Stream& stream, ConnectionSlot slot) {
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  const auto deadline = std::chrono::milliseconds(svc.config.handshake_timeout_ms);
  std::unique_ptr<dialect::http_v1::Endpoint> api;  // the HTTP API's dialect, made on this connection's first call
  for (;;) {
    HeadParser head;
    head.header_limit(kHttpHeaderLimit);
    head.body_limit(boost::none);  // each route sets its own once it knows what the body is
    // One deadline for the whole request: a client sending a byte at a time cannot keep the slot.
    beast::get_lowest_layer(stream).expires_after(deadline);
    co_await http::async_read_header(stream, buffer, head, asio::redirect_error(asio::use_awaitable, ec));
    std::string_view head_path = ec ? std::string_view() : std::string_view(head.get().target());
    head_path = head_path.substr(0, head_path.find('?'));
    if (!ec && head_path == "/v1/attachments") {
      // An upload streams its body itself, a chunk at a time.
      bool keep = co_await upload_attachment(svc, stream, buffer, head);
      if (!keep) break;
      continue;
    }
    // Each body has the limit of what it is: an API body is bounded like a WebSocket frame (the same fields, the
    // same limits); POST /realtime/v1/api/broadcast by the REST limit (its payload limit is the broadcast one,
    // 256 KiB, so an oversized payload gets 413 with its reason, not a malformed-request 400); others by
    // kHttpBodyLimit. The header was read without a body limit, so a Content-Length over the limit is refused
    // here, before any of the body is read (Beast checks it only while the header is parsed).
    const auto broadcast = ec ? BroadcastRoute::none : broadcast_route(head.get().method(), head_path);
    const bool rest_broadcast = broadcast != BroadcastRoute::none;  // either form: one body limit
    const bool api_body = dialect::http_v1::is_api_path(head_path);
    const std::uint64_t body_limit = rest_broadcast ? dialect::phoenix::kRestBodyLimit
                                     : api_body     ? svc.config.max_frame_bytes
                                                    : kHttpBodyLimit;
    HttpRequestParser parser{std::move(head)};
    parser.body_limit(body_limit);
    if (!ec) {
      if (auto n = parser.content_length(); n && *n > body_limit) ec = http::error::body_limit;
    }
    if (!ec && !parser.is_done()) {
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      co_await answer_unreadable(stream, ec, rest_broadcast);
      break;
    }
    auto req = parser.release();
    std::string_view path = req.target();
    path = path.substr(0, path.find('?'));
    if (is_attachment_path(path)) {
      bool keep = co_await download_attachment(svc, stream, req);
      if (!keep) break;
      continue;
    }
    if (dialect::http_v1::is_api_path(path)) {
      if (!co_await answer_api(svc, loop, stream, req, api)) break;
      continue;
    }
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    Decision d = decide(req, svc.config, now);

    if (d.route == Route::websocket) {
      // Who the token names is the core's to decide (its profile must exist). While the admission waits (for the
      // database, say), the connection is only a PendingUpgrade: this coroutine ends here, with its frame, the
      // request and the read buffer (a client sends nothing more before the 101, RFC 6455 4.1).
      realtime::admit_then(svc, loop.ioc, std::move(d.claims.sub), d.claims.exp,
                           std::make_shared<PendingUpgrade<WsNext<Stream>>>(
                               svc, loop, ws_next_layer(std::move(stream), loop.ioc),
                               std::string(req[http::field::sec_websocket_key]), req.version(), d.echo_subprotocol,
                               std::move(slot)));
      co_return;
    }

    if (d.route == Route::phoenix) {
      // Supabase's realtime-js: no token at the upgrade (it comes with each join), binary frames (kind 3) allowed.
      beast::get_lowest_layer(stream).expires_never();
      const auto vsn = d.phoenix_v2 ? protocol::phoenix::Vsn::v2 : protocol::phoenix::Vsn::v1;
      auto make = [&svc, &loop, vsn](dialect::Wire& wire) -> std::unique_ptr<dialect::Endpoint> {
        return std::make_unique<dialect::phoenix::Connection>(wire, svc, loop, vsn);
      };
      auto session = std::make_shared<WsSession<WsNext<Stream>>>(svc, loop, ws_next_layer(std::move(stream), loop.ioc), make,
                                                                 std::move(slot), true);
      session->start(req[http::field::sec_websocket_key], false);
      co_return;
    }

    if (broadcast == BroadcastRoute::batch || broadcast == BroadcastRoute::http_send) {
      std::optional<protocol::phoenix::HttpSendTarget> send_target;
      if (broadcast == BroadcastRoute::http_send) {
        send_target = http_send_target(req.target(), req[http::field::content_type]);
      }
      if (broadcast == BroadcastRoute::batch || send_target) {
        if (!co_await answer_broadcast(svc, stream, req, send_target)) break;
        continue;
      }
    }
    if (!co_await answer_other(svc, stream, req, d, false)) break;
  }
  co_await end_stream(stream);
}

}  // namespace

asio::awaitable<void> refuse_http(realtime::Services& svc, asio::ip::tcp::socket socket, std::string message,
                                  std::shared_ptr<asio::ssl::context> tls) {
  if (!tls) {
    beast::tcp_stream stream(std::move(socket));
    co_await refuse_on(svc, stream, std::move(message));
    co_await end_stream(stream);
    co_return;
  }
  TlsStream stream(std::move(socket), *tls);
  if (!co_await tls_handshake(svc, stream)) co_return;
  co_await refuse_on(svc, stream, std::move(message));
  co_await end_stream(stream);
}

asio::awaitable<void> serve_http(realtime::Services& svc, realtime::Loop& loop, asio::ip::tcp::socket socket,
                                 ConnectionSlot slot, std::shared_ptr<asio::ssl::context> tls) {
  boost::system::error_code ec;
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  if (!tls) {
    beast::tcp_stream stream(std::move(socket));
    co_await serve_on(svc, loop, stream, std::move(slot));
    co_return;
  }
  // The SSL object made here holds its own reference to the context: a SIGHUP that replaces `tls` leaves this
  // connection on the certificate it was accepted with.
  TlsStream stream(std::move(socket), *tls);
  if (!co_await tls_handshake(svc, stream)) co_return;
  co_await serve_on(svc, loop, stream, std::move(slot));
}

}  // namespace techpulse::gateway
