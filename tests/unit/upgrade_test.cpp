// Unit tests of the HTTP routing and upgrade decision (gateway/upgrade.hpp): requests are parsed from raw bytes by
// the same Beast parser, with the same limits, that serve_http uses.
#include <catch2/catch.hpp>

#include <boost/asio/buffer.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/transport/upgrade.hpp"

using namespace techpulse::gateway;
namespace http = boost::beast::http;

namespace {

constexpr std::string_view kSecret = "super-secret-jwt-token-with-at-least-32-characters-long";
constexpr int64_t kNow = 1'700'000'000;
const std::string kSub = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

std::optional<HttpRequest> parse(std::string_view raw) {
  HttpRequestParser parser;
  apply_request_limits(parser);
  parser.eager(true);
  boost::system::error_code ec;
  size_t used = 0;
  while (!parser.is_done() && used < raw.size()) {
    auto n = parser.put(boost::asio::buffer(raw.data() + used, raw.size() - used), ec);
    if (ec) return std::nullopt;
    if (n == 0) break;
    used += n;
  }
  if (!parser.is_done()) return std::nullopt;
  return parser.release();
}

Config config(std::string origins = "") {
  Config c;
  c.jwt_secret = std::string(kSecret);
  c.allowed_origins = std::move(origins);
  return c;
}

std::string token(int64_t exp = kNow + 3600) {
  Claims c{kSub, "authenticated", exp};
  return mint_jwt(c, kSecret, kNow - 60);
}

std::string upgrade(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
         std::string(extra_headers) + "\r\n";
}

Decision decide_raw(std::string_view raw, const Config& cfg = config()) {
  auto req = parse(raw);
  REQUIRE(req);
  return decide(*req, cfg, kNow);
}

}  // namespace

TEST_CASE("a valid token in access_token upgrades with its sub and exp") {
  auto d = decide_raw(upgrade("/v1/ws?access_token=" + token()));
  REQUIRE(d.route == Route::websocket);
  CHECK(d.claims.sub == kSub);
  CHECK(d.claims.exp == kNow + 3600);
  CHECK_FALSE(d.echo_subprotocol);
}

TEST_CASE("a valid token in Authorization: Bearer upgrades, and an offered techpulse.v1 is echoed") {
  auto d = decide_raw(upgrade("/v1/ws", "Authorization: Bearer " + token() +
                                            "\r\nSec-WebSocket-Protocol: chat, techpulse.v1 \r\n"));
  REQUIRE(d.route == Route::websocket);
  CHECK(d.echo_subprotocol);
}

TEST_CASE("a percent-encoded access_token is decoded before it is verified") {
  std::string t = token();
  std::string encoded;
  for (char c : t) encoded += c == '.' ? std::string("%2E") : std::string(1, c);
  auto d = decide_raw(upgrade("/v1/ws?x=1&access_token=" + encoded));
  CHECK(d.route == Route::websocket);
}

TEST_CASE("an upgrade without a token is 401 unauthorized and closes") {
  auto d = decide_raw(upgrade("/v1/ws"));
  REQUIRE(d.route == Route::refuse);
  CHECK(d.status == http::status::unauthorized);
  CHECK(d.code == "unauthorized");
  CHECK(d.message == "an access token is required");
  CHECK(d.kind == RefusalKind::no_token);
  CHECK(d.close);
}

TEST_CASE("an expired or forged token is 401 with the verifier's reason, which never holds the token") {
  std::string expired = token(kNow - 1);
  auto d = decide_raw(upgrade("/v1/ws?access_token=" + expired));
  REQUIRE(d.route == Route::refuse);
  CHECK(d.status == http::status::unauthorized);
  CHECK(d.message == "token has expired");
  CHECK(d.kind == RefusalKind::bad_token);
  CHECK(d.close);

  auto forged = decide_raw(upgrade("/v1/ws", "Authorization: Bearer " + token() + "x\r\n"));
  CHECK(forged.status == http::status::unauthorized);
  CHECK(forged.message.find(token()) == std::string::npos);
}

TEST_CASE("a foreign Origin is 403 forbidden before the token is looked at; a listed one or none passes") {
  auto cfg = config("https://app.techpulse.example, https://admin.techpulse.example");
  auto d = decide_raw(upgrade("/v1/ws", "Origin: https://evil.example\r\n"), cfg);
  REQUIRE(d.route == Route::refuse);
  CHECK(d.status == http::status::forbidden);
  CHECK(d.code == "forbidden");
  CHECK(d.kind == RefusalKind::origin);
  CHECK(d.close);
  CHECK(decide_raw(upgrade("/v1/ws?access_token=" + token(), "Origin: https://admin.techpulse.example\r\n"), cfg)
            .route == Route::websocket);
  CHECK(decide_raw(upgrade("/v1/ws?access_token=" + token()), cfg).route == Route::websocket);
  CHECK(decide_raw(upgrade("/v1/ws?access_token=" + token(), "Origin: https://app.techpulse.example.evil\r\n"), cfg)
            .status == http::status::forbidden);
}

TEST_CASE("routes: healthz, readyz, /v1/ws without upgrade is 426 with Upgrade, anything else 404") {
  CHECK(decide_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").route == Route::healthz);
  CHECK(decide_raw("GET /readyz?verbose=1 HTTP/1.1\r\nHost: x\r\n\r\n").route == Route::readyz);
  auto ws = decide_raw("GET /v1/ws?access_token=abc HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(ws.status == http::status::upgrade_required);
  CHECK(ws.upgrade_header);
  CHECK_FALSE(ws.close);
  auto nf = decide_raw("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(nf.status == http::status::not_found);
  CHECK(nf.code == "not_found");
  CHECK_FALSE(nf.close);
}

TEST_CASE("percent_decode decodes %XX and +, and leaves a broken escape as it is") {
  CHECK(percent_decode("a%2Eb+c") == "a.b c");
  CHECK(percent_decode("%4") == "%4");
  CHECK(percent_decode("%zz%41") == "%zzA");
  CHECK(percent_decode("%") == "%");
}

TEST_CASE("a request over the header limit is refused by the parser") {
  std::string big = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(kHttpHeaderLimit, 'a') + "\r\n\r\n";
  CHECK_FALSE(parse(big));
}

TEST_CASE("/realtime/v1/websocket: the Phoenix dialect, with an apikey and vsn 1.0.0 or 2.0.0; no token needed") {
  auto d = decide_raw(upgrade("/realtime/v1/websocket?apikey=sb_publishable_x&vsn=2.0.0"));
  REQUIRE(d.route == Route::phoenix);
  CHECK(d.phoenix_v2);
  auto v1 = decide_raw(upgrade("/realtime/v1/websocket?apikey=anon-key"));
  REQUIRE(v1.route == Route::phoenix);
  CHECK_FALSE(v1.phoenix_v2);
  auto header_key = decide_raw(upgrade("/realtime/v1/websocket?vsn=1.0.0", "x-api-key: k\r\n"));
  CHECK(header_key.route == Route::phoenix);
  auto no_key = decide_raw(upgrade("/realtime/v1/websocket?vsn=2.0.0"));
  REQUIRE(no_key.route == Route::refuse);
  CHECK(no_key.status == http::status::unauthorized);
  CHECK(no_key.close);
  auto bad_vsn = decide_raw(upgrade("/realtime/v1/websocket?apikey=k&vsn=3.0.0"));
  REQUIRE(bad_vsn.route == Route::refuse);
  CHECK(bad_vsn.status == http::status::bad_request);
  auto cfg = config("https://app.techpulse.example");
  CHECK(decide_raw(upgrade("/realtime/v1/websocket?apikey=k", "Origin: https://evil.example\r\n"), cfg).status ==
        http::status::forbidden);
  CHECK(query_param("/x?a=1&apikey=sb%5Fkey&vsn=2.0.0", "apikey") == "sb_key");
  CHECK(query_param("/x?a=1", "apikey").empty());
}

// ---- RFC 6455 4.2.1: the Sec-WebSocket-Key is the base64 of exactly 16 bytes --------------------------------

namespace {

std::string upgrade_with_key(std::string_view key_header) {
  return "GET /v1/ws?access_token=" + token() +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + std::string(key_header) +
         "Sec-WebSocket-Version: 13\r\n\r\n";
}

}  // namespace

TEST_CASE("valid_websocket_key accepts the base64 of 16 bytes and nothing else") {
  CHECK(valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ=="));  // RFC 6455's example
  CHECK(valid_websocket_key("AAAAAAAAAAAAAAAAAAAAAA=="));  // 16 zero bytes
  CHECK(valid_websocket_key("/////////////////////w=="));  // 16 0xff bytes
  CHECK(valid_websocket_key("+/+/+/+/+/+/+/+/+/+/+g=="));
  CHECK_FALSE(valid_websocket_key(""));
  CHECK_FALSE(valid_websocket_key("abc"));
  CHECK_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ"));     // unpadded
  CHECK_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ="));    // 23 characters
  CHECK_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZSE="));   // 17 bytes
  CHECK_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25j"));       // 15 bytes
  CHECK_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ==="));  // 25 characters
  CHECK_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZR=="));   // bits past the 16th byte
  CHECK_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZ-=="));   // base64url alphabet
  CHECK_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25j_Q=="));
  CHECK_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ=A"));
  CHECK_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub2 jZQ=="));
  CHECK_FALSE(valid_websocket_key(std::string("dGhlIHNhbXBsZSBub25jZQ=\0", 24)));
}

TEST_CASE("an upgrade whose Sec-WebSocket-Key is not the base64 of 16 bytes is 400 bad_request and closes") {
  for (std::string_view header : {"Sec-WebSocket-Key: abc\r\n", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZSE=\r\n",
                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZR==\r\n", "Sec-WebSocket-Key: \r\n", ""}) {
    INFO("key header: " << header);
    auto d = decide_raw(upgrade_with_key(header));
    REQUIRE(d.route == Route::refuse);
    CHECK(d.status == http::status::bad_request);
    CHECK(d.code == "bad_request");
    CHECK(d.message == "Sec-WebSocket-Key must be the base64 of 16 bytes");
    CHECK(d.kind == RefusalKind::bad_handshake);
    CHECK(d.close);
  }
  // The same request with a good key upgrades: the key was the only thing wrong.
  CHECK(decide_raw(upgrade_with_key("Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n")).route == Route::websocket);
}

TEST_CASE("a bad Sec-WebSocket-Key is refused before the Origin and the token are looked at") {
  auto cfg = config("https://app.techpulse.example");
  auto raw = "GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
             "x\r\nSec-WebSocket-Version: 13\r\nOrigin: https://evil.example\r\n\r\n";
  CHECK(decide_raw(raw, cfg).status == http::status::bad_request);
}

TEST_CASE("header fields of exactly the header limit parse, one byte more does not; the request line is apart") {
  // kHttpHeaderLimit counts the header fields and the blank line that ends them, not the request line.
  auto request = [](std::string_view target, size_t fields_bytes) {
    std::string line = "GET " + std::string(target) + " HTTP/1.1\r\n";
    std::string head = "Host: x\r\nX-Fill: ";
    std::string tail = "\r\n\r\n";
    return line + head + std::string(fields_bytes - head.size() - tail.size(), 'a') + tail;
  };
  for (std::string target : {std::string("/healthz"), "/healthz?pad=" + std::string(1000, 'p')}) {
    INFO("target of " << target.size() << " bytes");
    CHECK(parse(request(target, kHttpHeaderLimit)));
    CHECK_FALSE(parse(request(target, kHttpHeaderLimit + 1)));
  }
}
TEST_CASE("a request line of exactly the header limit parses, one byte more does not") {
  // The request line, its CRLF included, has a limit of its own, the same number.
  auto line = [](size_t total) {
    std::string head = "GET /healthz?", tail = " HTTP/1.1\r\n";
    return head + std::string(total - head.size() - tail.size(), 'p') + tail;
  };
  CHECK(parse(line(kHttpHeaderLimit) + "Host: x\r\n\r\n"));
  CHECK_FALSE(parse(line(kHttpHeaderLimit + 1) + "Host: x\r\n\r\n"));
}

TEST_CASE("a body of exactly the body limit parses, one byte more does not") {
  auto post = [](size_t n) {
    return "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(n) + "\r\n\r\n" + std::string(n, 'b');
  };
  CHECK(parse(post(kHttpBodyLimit)));
  CHECK_FALSE(parse(post(kHttpBodyLimit + 1)));
}

TEST_CASE("an upgrade of a WebSocket version other than 13 is 426 with Sec-WebSocket-Version, on both endpoints") {
  for (std::string target : {"/v1/ws?access_token=" + token(), std::string("/realtime/v1/websocket?apikey=k")}) {
    for (std::string version : {"8", "14", ""}) {
      INFO(target << " version '" << version << "'");
      std::string raw = upgrade(target);
      auto at = raw.find("Sec-WebSocket-Version: 13\r\n");
      raw.replace(at, 27, version.empty() ? "" : "Sec-WebSocket-Version: " + version + "\r\n");
      auto d = decide_raw(raw);
      CHECK(d.route == Route::refuse);
      CHECK(d.status == http::status::upgrade_required);
      CHECK(d.code == "bad_request");
      CHECK(d.message == "Sec-WebSocket-Version must be 13");
      CHECK(d.version_header);
      CHECK(d.upgrade_header);
      CHECK(d.close);
    }
  }
  // A bad key is still the first refusal.
  auto d = decide_raw("GET /v1/ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: abc\r\nSec-WebSocket-Version: 8\r\n\r\n");
  CHECK(d.status == http::status::bad_request);
}
