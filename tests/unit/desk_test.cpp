// Unit tests of the support desk's pure parts: its frames (protocol/desk_frames.*), the queue topic, and the
// webhook's wire format (notify/webhook.hpp: the HMAC, the signature header, the URL) and retry schedule.
#include <catch2/catch.hpp>

#include <string>
#include <variant>

#include "notify/notifier.hpp"
#include "notify/webhook.hpp"
#include "protocol/desk_frames.hpp"
#include "protocol/frames.hpp"

using namespace techpulse;
using protocol::ClientFrame;
using protocol::ErrorCode;
using protocol::FrameType;
using protocol::ProtocolError;

namespace {
const std::string kThread = "e0000000-0000-4000-8000-000000000001";
const std::string kTicket = "c0000000-0000-4000-8000-000000000003";

ClientFrame parsed(const std::string& text) {
  auto r = protocol::parse_client_frame(text);
  INFO(text);
  REQUIRE(std::holds_alternative<ClientFrame>(r));
  return std::get<ClientFrame>(r);
}
ErrorCode refused(const std::string& text) {
  auto r = protocol::parse_client_frame(text);
  INFO(text);
  REQUIRE(std::holds_alternative<ProtocolError>(r));
  return std::get<ProtocolError>(r).code;
}
}  // namespace

TEST_CASE("desk frames: handoff, ticket.claim, ticket.assign, analytics.summary", "[unit][desk]") {
  auto h = parsed(R"({"type":"handoff","ref":"1","thread_id":")" + kThread + R"(","reason":"brakes feel soft"})");
  CHECK(h.type == FrameType::handoff);
  CHECK(h.thread_id == kThread);
  CHECK(h.reason == "brakes feel soft");
  CHECK(parsed(R"({"type":"handoff","thread_id":")" + kThread + "\"}").reason.empty());
  CHECK(refused(R"({"type":"handoff"})") == ErrorCode::bad_request);
  CHECK(refused(R"({"type":"handoff","thread_id":"nope"})") == ErrorCode::bad_request);
  CHECK(refused(R"({"type":"handoff","thread_id":")" + kThread + R"(","reason":")" + std::string(501, 'x') + "\"}") ==
        ErrorCode::too_large);
  CHECK(parsed(R"({"type":"handoff","thread_id":")" + kThread + R"(","reason":")" + std::string(500, 'x') + "\"}")
            .reason.size() == 500);
  CHECK(refused(R"({"type":"handoff","thread_id":")" + kThread + R"(","reason":"a\u0000b"})") == ErrorCode::bad_request);

  auto c = parsed(R"({"type":"ticket.claim","ref":"2","ticket_id":")" + kTicket + "\"}");
  CHECK(c.type == FrameType::ticket_claim);
  CHECK(c.ticket_id == kTicket);
  CHECK(refused(R"({"type":"ticket.claim"})") == ErrorCode::bad_request);
  auto a = parsed(R"({"type":"ticket.assign","ticket_id":")" + kTicket + R"(","technician_id":")" + kThread + "\"}");
  CHECK(a.type == FrameType::ticket_assign);
  CHECK(a.technician_id == kThread);
  CHECK(refused(R"({"type":"ticket.assign","ticket_id":")" + kTicket + "\"}") == ErrorCode::bad_request);

  auto s = parsed(R"({"type":"analytics.summary","from":"2026-11-01T00:00:00Z"})");
  CHECK(s.type == FrameType::analytics_summary);
  CHECK(s.from == "2026-11-01T00:00:00Z");
  CHECK(s.to.empty());
  CHECK(refused(R"({"type":"analytics.summary","from":7})") == ErrorCode::bad_request);
}

TEST_CASE("the queue topic is queue:support only", "[unit][desk]") {
  auto t = protocol::parse_topic("queue:support");
  REQUIRE(t);
  CHECK(t->kind == protocol::TopicKind::queue);
  CHECK(t->str() == "queue:support");
  CHECK_FALSE(protocol::parse_topic("queue:"));
  CHECK_FALSE(protocol::parse_topic("queue:other"));
  CHECK_FALSE(protocol::parse_topic("queue:" + kTicket));
}

TEST_CASE("desk replies encode as documented", "[unit][desk]") {
  CHECK(protocol::encode_handoff("1", kThread, kTicket, true, false, "{\"id\":1}") ==
        R"({"type":"handoff","ref":"1","thread_id":")" + kThread + R"(","ticket_id":")" + kTicket +
            R"(","created":true,"duplicate":false,"ticket":{"id":1}})");
  CHECK(protocol::encode_ticket_reply("2", "{}", true) == R"({"type":"ticket","ref":"2","ticket":{},"duplicate":true})");
  CHECK(protocol::encode_subscribed_queue("3", "queue:support", "[]") ==
        R"({"type":"subscribed","ref":"3","topic":"queue:support","tickets":[]})");
  CHECK(protocol::encode_analytics("4", "{}") == R"({"type":"analytics.summary","ref":"4","summary":{}})");
}

TEST_CASE("webhook: HMAC-SHA256 (RFC 4231 case 2), the signature header, URLs, the retry schedule", "[unit][notify]") {
  CHECK(notify::hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(notify::signature_value("Jefe", 1796083200, "{}") ==
        "t=1796083200,v1=" + notify::hmac_sha256_hex("Jefe", "1796083200.{}"));
  auto u = notify::parse_http_url("http://127.0.0.1:9000/hooks/techpulse");
  REQUIRE(u);
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == "9000");
  CHECK(u->target == "/hooks/techpulse");
  auto d = notify::parse_http_url("http://relay.local");
  REQUIRE(d);
  CHECK(d->port == "80");
  CHECK(d->target == "/");
  CHECK_FALSE(notify::parse_http_url("https://relay.local/x"));
  CHECK_FALSE(notify::parse_http_url("http://user@relay.local/"));
  CHECK_FALSE(notify::parse_http_url("http://relay.local:99999/"));
  CHECK_FALSE(notify::parse_http_url("http://:80/"));
  using std::chrono::milliseconds;
  CHECK(notify::retry_delay(milliseconds(10000), 1) == milliseconds(10000));
  CHECK(notify::retry_delay(milliseconds(10000), 2) == milliseconds(20000));
  CHECK(notify::retry_delay(milliseconds(10000), 4) == milliseconds(80000));
  CHECK(notify::retry_delay(milliseconds(10000), 40) == std::chrono::hours(1));
  CHECK_THROWS(notify::validate(notify::Options{"http://relay.local/", "", {}, {}, {}}));
  CHECK_THROWS(notify::validate(notify::Options{"ftp://relay.local/", "s", {}, {}, {}}));
  CHECK_NOTHROW(notify::validate(notify::Options{"", "", {}, {}, {}}));
}
