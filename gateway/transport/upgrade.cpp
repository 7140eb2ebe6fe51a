#include "gateway/transport/upgrade.hpp"

#include <boost/beast/websocket/rfc6455.hpp>

namespace techpulse::gateway {

namespace http = boost::beast::http;

void apply_request_limits(HttpRequestParser& parser) {
  parser.header_limit(kHttpHeaderLimit);
  parser.body_limit(kHttpBodyLimit);
}

std::string percent_decode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
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

TargetAndToken find_token(const http::request_header<>& req) {
  TargetAndToken out;
  std::string_view target = req.target();
  auto q = target.find('?');
  out.path = target.substr(0, q);
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      auto pair = query.substr(0, amp);
      if (pair.rfind("access_token=", 0) == 0) {
        out.token = percent_decode(pair.substr(13));
        return out;
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  auto auth = req[http::field::authorization];
  if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer ")) {
    out.token.assign(auth.substr(7));
  }
  return out;
}

namespace {

// Whether the comma-separated `list` holds `item` (entries trimmed of spaces).
bool list_contains(std::string_view list, std::string_view item) {
  while (!list.empty()) {
    auto comma = list.find(',');
    auto entry = list.substr(0, comma);
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    if (entry == item) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

Decision refuse(http::status status, std::string_view code, std::string message, RefusalKind kind) {
  Decision d;
  d.route = Route::refuse;
  d.status = status;
  d.code = code;
  d.message = std::move(message);
  d.kind = kind;
  return d;
}

}  // namespace

std::optional<Decision> refuse_handshake(const HttpRequest& req, const Config& config) {
  std::optional<Decision> d;
  if (!valid_websocket_key(req[http::field::sec_websocket_key])) {
    d = refuse(http::status::bad_request, "bad_request", "Sec-WebSocket-Key must be the base64 of 16 bytes",
               RefusalKind::bad_handshake);
  } else if (req[http::field::sec_websocket_version] != "13") {
    // RFC 6455 4.4: 426 with the version this server speaks.
    d = refuse(http::status::upgrade_required, "bad_request", "Sec-WebSocket-Version must be 13",
               RefusalKind::bad_handshake);
    d->upgrade_header = true;
    d->version_header = true;
  } else if (!origin_permitted(req, config)) {
    d = refuse(http::status::forbidden, "forbidden", "this Origin may not connect", RefusalKind::origin);
  }
  if (d) d->close = true;
  return d;
}

bool offers_subprotocol(const HttpRequest& req) {
  return list_contains(req[http::field::sec_websocket_protocol], "techpulse.v1");
}

bool valid_websocket_key(std::string_view key) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (size_t i = 0; i < 22; ++i) {
    if (value(key[i]) < 0) return false;
  }
  // 16 bytes are 128 bits: the 22nd character holds the last 2 of them and 4 zero bits.
  return (value(key[21]) & 0x0f) == 0;
}

bool origin_allowed(std::string_view list, std::string_view origin) {
  return list.empty() || list_contains(list, origin);
}

std::string query_param(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

bool origin_permitted(const http::request_header<>& req, const Config& config) {
  std::string_view origin = req[http::field::origin];
  if (origin.empty() || origin_allowed(config.allowed_origins, origin)) return true;
  std::string_view host = req[http::field::host];
  auto scheme = origin.find("://");
  return !host.empty() && scheme != std::string_view::npos && origin.substr(scheme + 3) == host &&
         (origin.substr(0, scheme) == "http" || origin.substr(0, scheme) == "https");
}

Decision decide(const HttpRequest& req, const Config& config, int64_t now) {
  auto [path, token] = find_token(req);

  if (path == "/realtime/v1/websocket" && boost::beast::websocket::is_upgrade(req)) {
    std::string_view target(req.target().data(), req.target().size());
    std::string vsn = query_param(target, "vsn");
    if (auto refused = refuse_handshake(req, config)) return std::move(*refused);
    Decision d;
    if (query_param(target, "apikey").empty() && req["x-api-key"].empty()) {
      d = refuse(http::status::unauthorized, "unauthorized", "an apikey is required", RefusalKind::no_token);
    } else if (!vsn.empty() && vsn != "1.0.0" && vsn != "2.0.0") {
      d = refuse(http::status::bad_request, "bad_request", "vsn must be 1.0.0 or 2.0.0", RefusalKind::no_route);
    } else {
      d.route = Route::phoenix;
      d.phoenix_v2 = vsn == "2.0.0";
      return d;
    }
    d.close = true;
    return d;
  }

  if (path == "/v1/ws" && boost::beast::websocket::is_upgrade(req)) {
    if (auto refused = refuse_handshake(req, config)) return std::move(*refused);
    Decision d;
    if (token.empty()) {
      d = refuse(http::status::unauthorized, "unauthorized", "an access token is required", RefusalKind::no_token);
    } else {
      auto v = verify_jwt(token, jwt_keys(config), now);
      if (auto* why = std::get_if<std::string>(&v)) {
        d = refuse(http::status::unauthorized, "unauthorized", std::move(*why), RefusalKind::bad_token);
      } else {
        d.route = Route::websocket;
        d.claims = std::move(std::get<Claims>(v));
        d.echo_subprotocol = offers_subprotocol(req);
        return d;
      }
    }
    d.close = true;
    return d;
  }

  if (path == "/healthz") {
    Decision d;
    d.route = Route::healthz;
    return d;
  }
  if (path == "/readyz") {
    Decision d;
    d.route = Route::readyz;
    return d;
  }
  if (path == "/metrics" && config.metrics_listen.empty()) {
    Decision d;
    d.route = Route::metrics;
    return d;
  }
  if (path == "/v1/ws") {
    auto d = refuse(http::status::upgrade_required, "bad_request", "this endpoint speaks WebSocket only",
                    RefusalKind::no_upgrade);
    d.upgrade_header = true;
    return d;
  }
  return refuse(http::status::not_found, "not_found", "no such path", RefusalKind::no_route);
}

}  // namespace techpulse::gateway
