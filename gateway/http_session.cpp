#include "gateway/http_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>

#include "gateway/jwt.hpp"
#include "gateway/log.hpp"
#include "gateway/ws_session.hpp"
#include "protocol/json_writer.hpp"

namespace techpulse::gateway {

namespace http = beast::http;

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

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

// The token from ?access_token= or Authorization: Bearer.
std::string find_token(const http::request<http::string_body>& req, std::string_view& path) {
  std::string_view target = req.target();
  auto q = target.find('?');
  path = target.substr(0, q);
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      auto pair = query.substr(0, amp);
      if (pair.rfind("access_token=", 0) == 0) return percent_decode(pair.substr(13));
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  auto auth = req[http::field::authorization];
  if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer ")) {
    return std::string(auth.substr(7));
  }
  return {};
}

bool offers_subprotocol(const http::request<http::string_body>& req) {
  std::string_view offered = req[http::field::sec_websocket_protocol];
  while (!offered.empty()) {
    auto comma = offered.find(',');
    auto item = offered.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "techpulse.v1") return true;
    if (comma == std::string_view::npos) break;
    offered.remove_prefix(comma + 1);
  }
  return false;
}

// An empty list allows every Origin; otherwise the Origin must be one of the comma-separated entries.
bool origin_allowed(std::string_view list, std::string_view origin) {
  if (list.empty()) return true;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == origin) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

template <class T>
asio::awaitable<T> on_store(storage::ChatStore& store, asio::awaitable<T> op) {
  co_return co_await asio::co_spawn(store.executor(), std::move(op), asio::use_awaitable);
}

}  // namespace

asio::awaitable<void> refuse_http(Services& svc, asio::ip::tcp::socket socket, std::string message) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(16 * 1024);
  // Short: a refused connection must not hold its descriptor long.
  stream.expires_after(std::chrono::milliseconds(std::min(svc.config.handshake_timeout_ms, 2000)));
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  http::request<http::string_body> req;
  req.version(11);
  if (!ec) req = parser.release();
  auto res = make_response(req, http::status::service_unavailable,
                           json_body({{"error", "unavailable"}, {"message", message}}));
  res.set(http::field::retry_after, "1");
  res.keep_alive(false);
  stream.expires_after(std::chrono::milliseconds(2000));
  co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> serve_http(Services& svc, Loop& loop, asio::ip::tcp::socket socket, ConnectionSlot slot) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  stream.socket().set_option(asio::ip::tcp::no_delay(true), ec);
  const auto deadline = std::chrono::milliseconds(svc.config.handshake_timeout_ms);
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(16 * 1024);
    // One deadline for the whole request: a client sending a byte at a time cannot keep the slot.
    stream.expires_after(deadline);
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec != http::error::end_of_stream && ec != beast::error::timeout && ec != asio::error::connection_reset) {
        http::request<http::string_body> dummy;
        dummy.version(11);
        auto res = make_response(dummy, http::status::bad_request,
                                 json_body({{"error", "bad_request"}, {"message", "malformed HTTP request"}}));
        res.keep_alive(false);
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      }
      break;
    }
    auto req = parser.release();
    std::string_view path;
    std::string token = find_token(req, path);

    if (path == "/v1/ws" && beast::websocket::is_upgrade(req)) {
      auto fail = [&](http::status st, std::string_view code, std::string_view msg) {
        auto res = make_response(req, st, json_body({{"error", code}, {"message", msg}}));
        res.keep_alive(false);
        return res;
      };
      http::response<http::string_body> refusal;
      bool refused = true;
      std::string_view origin = req[http::field::origin];
      if (!origin.empty() && !origin_allowed(svc.config.allowed_origins, origin)) {
        log(Level::warn, "origin_refused", "origin={}", quoted(origin));
        refusal = fail(http::status::forbidden, "forbidden", "this Origin may not connect");
      } else if (token.empty()) {
        refusal = fail(http::status::unauthorized, "unauthorized", "an access token is required");
      } else {
        auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
        auto v = verify_jwt(token, svc.config.jwt_secret, now);
        if (auto* why = std::get_if<std::string>(&v)) {
          log(Level::warn, "auth_refused", "remote={} reason={}", quoted(stream.socket().remote_endpoint(ec).address().to_string()),
              quoted(*why));
          refusal = fail(http::status::unauthorized, "unauthorized", *why);
        } else {
          auto& claims = std::get<Claims>(v);
          auto prof = co_await on_store(svc.store, svc.store.profile(claims.sub));
          if (!prof.ok()) {
            refusal = fail(http::status::service_unavailable, "unavailable", "the database is unreachable; retry");
          } else if (!*prof.value) {
            log(Level::warn, "auth_refused", "user={} reason=\"no profile\"", claims.sub);
            refusal = fail(http::status::unauthorized, "unauthorized", "no profile exists for this token's sub");
          } else {
            refused = false;
            Identity who{claims.sub, (*prof.value)->role, claims.exp};
            stream.expires_never();
            bool echo = offers_subprotocol(req);
            auto session = std::make_shared<WsSession>(svc, loop, std::move(stream), std::move(who), std::move(slot));
            session->start(std::move(req), echo);
            co_return;
          }
        }
      }
      if (refused) {
        co_await http::async_write(stream, refusal, asio::redirect_error(asio::use_awaitable, ec));
        break;
      }
    }

    http::response<http::string_body> res;
    if (path == "/healthz") {
      res = make_response(req, http::status::ok, json_body({{"status", "ok"}}));
    } else if (path == "/readyz") {
      auto r = co_await on_store(svc.store, svc.store.ready());
      if (!r.ok()) {
        res = make_response(req, http::status::service_unavailable,
                            json_body({{"status", "not_ready"}, {"reason", "database unreachable"}}));
      } else if (!*r.value) {
        res = make_response(req, http::status::service_unavailable,
                            json_body({{"status", "not_ready"}, {"reason", "migrations pending"}}));
      } else {
        res = make_response(req, http::status::ok, json_body({{"status", "ready"}}));
      }
    } else if (path == "/v1/ws") {
      res = make_response(req, http::status::upgrade_required,
                          json_body({{"error", "bad_request"}, {"message", "this endpoint speaks WebSocket only"}}));
      res.set(http::field::upgrade, "websocket");
    } else {
      res = make_response(req, http::status::not_found, json_body({{"error", "not_found"}, {"message", "no such path"}}));
    }
    bool keep = res.keep_alive();
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !keep) break;
  }
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
}

}  // namespace techpulse::gateway
