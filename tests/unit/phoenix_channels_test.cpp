// Unit tests of one socket's Phoenix channel rules (protocol/phoenix/channels.hpp): heartbeats, joins and their
// replies, leaves, a second join, unmatched topics, pushes with the right refs. Expected frames are written out
// from ../shared/design/supabase-realtime.md (§3, §7).
#include <catch2/catch.hpp>

#include <string>

#include "protocol/phoenix/channels.hpp"
#include "protocol/phoenix/rest.hpp"

using namespace techpulse::protocol::phoenix;
using namespace std::string_literals;

TEST_CASE("channels: heartbeat, join, push, leave with Phoenix's refs (vsn 2)", "[phoenix]") {
  ChannelSet ch(Vsn::v2);
  auto hb = ch.on_text(R"([null,"9","phoenix","heartbeat",{}])");
  REQUIRE(hb.replies.size() == 1);
  CHECK(hb.replies[0] == R"([null,"9","phoenix","phx_reply",{"status":"ok","response":{}}])");
  CHECK(hb.intent.kind == Intent::none);

  auto j = ch.on_text(R"(["6","6","realtime:room1","phx_join",{"config":{"broadcast":{"self":true},"private":false}}])");
  CHECK(j.replies.empty());
  REQUIRE(j.intent.kind == Intent::join);
  CHECK(j.intent.config.broadcast_self);
  CHECK_FALSE(ch.joined("realtime:room1"));  // not until the caller says ok
  CHECK(ch.join_ok(j.intent, R"({"postgres_changes":[]})") ==
        R"(["6","6","realtime:room1","phx_reply",{"status":"ok","response":{"postgres_changes":[]}}])");
  CHECK(ch.joined("realtime:room1"));
  CHECK(ch.push("realtime:room1", "presence_state", "{}") == R"(["6",null,"realtime:room1","presence_state",{}])");
  CHECK(ch.fanout("realtime:room1", "broadcast", "{}") == R"([null,null,"realtime:room1","broadcast",{}])");
  CHECK(ChannelSet::channel_name("realtime:room1") == "room1");

  auto b = ch.on_text(R"(["6","7","realtime:room1","broadcast",{"type":"broadcast","event":"cursor","payload":{"x":1}}])");
  REQUIRE(b.intent.kind == Intent::broadcast);
  CHECK(b.intent.event == "cursor");
  CHECK(b.intent.payload == R"({"x":1})");
  CHECK(ch.reply(b.intent, true) == R"(["6","7","realtime:room1","phx_reply",{"status":"ok","response":{}}])");

  auto l = ch.on_text(R"(["6","10","realtime:room1","phx_leave",{}])");
  REQUIRE(l.replies.size() == 2);
  CHECK(l.replies[0] == R"(["6","10","realtime:room1","phx_reply",{"status":"ok","response":{}}])");
  CHECK(l.replies[1] == R"(["6","6","realtime:room1","phx_close",{}])");
  CHECK(l.intent.kind == Intent::leave);
  CHECK_FALSE(ch.joined("realtime:room1"));
}

TEST_CASE("channels: binary kind 3 on a joined topic is a broadcast intent; elsewhere unmatched", "[phoenix]") {
  ChannelSet ch(Vsn::v2);
  const std::string frame = "\x03\x01\x01\x0e\x06\x00\x01" "6" "7" "realtime:room1" "cursor" R"({"x":2})"s;
  auto early = ch.on_binary(frame);
  REQUIRE(early.replies.size() == 1);
  CHECK(early.replies[0] == R"(["6","7","realtime:room1","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}])");
  auto j = ch.on_text(R"(["6","6","realtime:room1","phx_join",{}])");
  ch.join_ok(j.intent, "{}");
  auto b = ch.on_binary(frame);
  REQUIRE(b.intent.kind == Intent::broadcast);
  CHECK(b.intent.json);
  CHECK(b.intent.event == "cursor");
  CHECK(b.intent.payload == R"({"x":2})");
  CHECK(b.intent.ref == "7"s);
}

TEST_CASE("channels: a second join closes the first; a failed join leaves nothing joined", "[phoenix]") {
  ChannelSet ch(Vsn::v2);
  auto j1 = ch.on_text(R"(["1","1","realtime:a","phx_join",{}])");
  ch.join_ok(j1.intent, "{}");
  auto j2 = ch.on_text(R"(["3","3","realtime:a","phx_join",{}])");
  REQUIRE(j2.replies.size() == 1);
  CHECK(j2.replies[0] == R"(["1","1","realtime:a","phx_close",{}])");
  CHECK_FALSE(ch.joined("realtime:a"));
  CHECK(ch.join_error(j2.intent, "Unauthorized: no") ==
        R"(["3","3","realtime:a","phx_reply",{"status":"error","response":{"reason":"Unauthorized: no"}}])");
  CHECK_FALSE(ch.joined("realtime:a"));
  auto j3 = ch.on_text(R"(["5","5","realtime:a","phx_join",{}])");
  ch.join_ok(j3.intent, "{}");
  CHECK(ch.join_ref("realtime:a") == "5"s);
  CHECK(ch.close("realtime:a") == R"(["5","5","realtime:a","phx_close",{}])");
  CHECK(ch.close("realtime:a").empty());
}

TEST_CASE("channels: unmatched topics, unknown events, bad payloads get error replies", "[phoenix]") {
  ChannelSet ch(Vsn::v2);
  auto other = ch.on_text(R"(["1","1","room:a","phx_join",{}])");
  CHECK(other.replies.at(0) == R"(["1","1","room:a","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}])");
  CHECK(ch.on_text(R"(["1","2","realtime:a","broadcast",{"event":"x"}])").replies.at(0).find("unmatched topic") != std::string::npos);
  auto j = ch.on_text(R"(["1","1","realtime:a","phx_join",{}])");
  ch.join_ok(j.intent, "{}");
  CHECK(ch.on_text(R"(["1","2","realtime:a","wat",{}])").replies.at(0).find("unknown event wat") != std::string::npos);
  CHECK(ch.on_text(R"(["1","3","realtime:a","presence",{"event":"track","payload":[]}])").replies.at(0).find(
            "Presence track payload must be a map") != std::string::npos);
  CHECK(ch.on_text(R"(["1","4","realtime:a","phx_join",{"config":{"private":7}}])").replies.at(0).find(
            "config.private must be a boolean") != std::string::npos);
  CHECK(ch.on_text("garbage").replies.empty());  // nothing to answer
  auto t = ch.on_text(R"(["1","5","realtime:a","access_token",{"access_token":"a.b.c"}])");
  REQUIRE(t.intent.kind == Intent::access_token);
  CHECK(t.intent.token == "a.b.c"s);
}

TEST_CASE("channels: vsn 1 frames, server frames without join_ref", "[phoenix]") {
  ChannelSet ch(Vsn::v1);
  auto hb = ch.on_text(R"({"topic":"phoenix","event":"heartbeat","payload":{},"ref":"3"})");
  CHECK(hb.replies.at(0) == R"({"topic":"phoenix","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"3"})");
  auto j = ch.on_text(R"({"topic":"realtime:r","event":"phx_join","payload":{},"ref":"1","join_ref":"1"})");
  CHECK(ch.join_ok(j.intent, "{}") == R"({"topic":"realtime:r","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"1"})");
  CHECK(ch.on_binary("\x03"s).replies.empty());  // vsn 1 has no binary frames; nothing to answer
}

TEST_CASE("REST broadcast bodies: messages as realtime-js sends them; the payload limit is a 413", "[phoenix]") {
  auto ok = parse_rest_broadcast(
      R"({"messages":[{"topic":"room1","event":"cursor","payload":{"x":1},"private":false},{"topic":"r","event":"e"}]})", 100);
  REQUIRE(std::holds_alternative<std::vector<RestBroadcast>>(ok));
  auto& m = std::get<std::vector<RestBroadcast>>(ok);
  REQUIRE(m.size() == 2);
  CHECK(m[0].topic == "room1");
  CHECK(m[0].payload == R"({"x":1})");
  CHECK(m[1].payload == "{}");
  auto big = parse_rest_broadcast(R"({"messages":[{"topic":"r","event":"e","payload":{"s":")" + std::string(200, 'x') + R"("}}]})", 100);
  REQUIRE(std::holds_alternative<RestError>(big));
  CHECK(std::get<RestError>(big).status == 413);
  CHECK(std::get<RestError>(big).message == "payload too large: 208 bytes (limit 100 bytes)");
  for (const char* bad : {"", "{}", R"({"messages":[]})", R"({"messages":[1]})", R"({"messages":[{"event":"e"}]})",
                          R"({"messages":[{"topic":"t","event":"e","private":"no"}]})"}) {
    INFO(bad);
    auto r = parse_rest_broadcast(bad, 100);
    REQUIRE(std::holds_alternative<RestError>(r));
    CHECK(std::get<RestError>(r).status == 400);
  }
}

TEST_CASE("httpSend bodies: the payload itself, JSON or raw bytes; the same name and payload limits", "[phoenix]") {
  auto ok = parse_http_send("room1", "cursor", true, false, R"( {"x": 1} )", 100);
  REQUIRE(std::holds_alternative<RestBroadcast>(ok));
  auto& m = std::get<RestBroadcast>(ok);
  CHECK(m.topic == "room1");
  CHECK(m.event == "cursor");
  CHECK(m.is_private);
  CHECK(m.json);
  CHECK(m.payload == R"({"x":1})");
  auto raw = parse_http_send("r", "e", false, true, std::string("\0\xff", 2), 100);
  REQUIRE(std::holds_alternative<RestBroadcast>(raw));
  CHECK(!std::get<RestBroadcast>(raw).json);
  CHECK(std::get<RestBroadcast>(raw).payload == std::string("\0\xff", 2));
  auto big = parse_http_send("r", "e", false, false, R"({"s":")" + std::string(200, 'x') + R"("})", 100);
  REQUIRE(std::holds_alternative<RestError>(big));
  CHECK(std::get<RestError>(big).status == 413);
  CHECK(std::get<RestError>(big).message == "payload too large: 208 bytes (limit 100 bytes)");
  CHECK(std::get<RestError>(parse_http_send("r", "e", false, true, std::string(101, 'x'), 100)).status == 413);
  CHECK(std::get<RestError>(parse_http_send("r", "e", false, false, "{", 100)).status == 400);
  CHECK(std::get<RestError>(parse_http_send("", "e", false, false, "{}", 100)).status == 400);
  CHECK(std::get<RestError>(parse_http_send("r", std::string(256, 'e'), false, false, "{}", 100)).status == 400);
}
