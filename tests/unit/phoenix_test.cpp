// Unit tests of the Phoenix wire format (protocol/phoenix): frames of both vsns, binary user broadcasts, join
// configs, server payloads and the postgres_changes filter. Expected frames are written out literally from
// ../shared/design/supabase-realtime.md and realtime-js 2.119.1's serializer (src/lib/serializer.ts).
#include <catch2/catch.hpp>
#include <simdjson.h>

#include <string>
#include <variant>

#include "protocol/phoenix/bindings.hpp"
#include "protocol/phoenix/filter.hpp"
#include "protocol/phoenix/message.hpp"
#include "protocol/phoenix/payloads.hpp"

using namespace techpulse::protocol::phoenix;
using namespace std::string_literals;

namespace {

Message msg(const Parsed& p) {
  if (auto* e = std::get_if<ParseError>(&p)) FAIL("parse error: " << e->message);
  REQUIRE(std::holds_alternative<Message>(p));
  return std::get<Message>(p);
}

ParseError err(const Parsed& p) {
  REQUIRE(std::holds_alternative<ParseError>(p));
  return std::get<ParseError>(p);
}

// The 45-byte kind-3 frame realtime-js 2.119.1 sends for channel.send({type:'broadcast',event:'cursor',
// payload:{x:2,y:'é'}}) on join_ref "6", ref "7".
const std::string kKind3 = "\x03\x01\x01\x0e\x06\x00\x01" "6" "7" "realtime:room1" "cursor" "{\"x\":2,\"y\":\"\xc3\xa9\"}"s;

bool matches(const std::string& filter, const std::string& record) {
  auto f = parse_filter(filter);
  if (auto* why = std::get_if<std::string>(&f)) FAIL("filter refused: " << *why);
  simdjson::dom::parser p;
  simdjson::dom::object o = p.parse(record).get_object().value();
  return filter_matches(std::get<Filter>(f), o);
}

std::string filter_error(const std::string& filter) {
  auto f = parse_filter(filter);
  REQUIRE(std::holds_alternative<std::string>(f));
  return std::get<std::string>(f);
}

}  // namespace

TEST_CASE("vsn: 1.0.0, 2.0.0, absent; nothing else", "[phoenix]") {
  CHECK(parse_vsn("") == Vsn::v1);
  CHECK(parse_vsn("1.0.0") == Vsn::v1);
  CHECK(parse_vsn("2.0.0") == Vsn::v2);
  CHECK_FALSE(parse_vsn("3.0.0").has_value());
}

TEST_CASE("vsn 2 text frames are [join_ref, ref, topic, event, payload]", "[phoenix]") {
  auto m = msg(parse_text(R"(["6","6","realtime:room1","phx_join",{"config":{"private":false}}])", Vsn::v2));
  CHECK(m.join_ref == "6"s);
  CHECK(m.ref == "6"s);
  CHECK(m.topic == "realtime:room1");
  CHECK(m.event == "phx_join");
  CHECK(m.payload == R"({"config":{"private":false}})");
  auto hb = msg(parse_text(R"([null,"9","phoenix","heartbeat",{}])", Vsn::v2));
  CHECK_FALSE(hb.join_ref.has_value());
  CHECK(hb.ref == "9"s);
  CHECK(encode_reply(Vsn::v2, hb.join_ref, hb.ref, hb.topic, "ok") ==
        R"([null,"9","phoenix","phx_reply",{"status":"ok","response":{}}])");
  CHECK(encode(Vsn::v2, std::nullopt, std::nullopt, "realtime:room1", "postgres_changes", R"({"ids":[1]})") ==
        R"([null,null,"realtime:room1","postgres_changes",{"ids":[1]}])");
}

TEST_CASE("vsn 1 text frames are objects; the server's carry no join_ref", "[phoenix]") {
  auto m = msg(parse_text(R"({"topic":"realtime:room1","event":"phx_join","payload":{},"ref":"6","join_ref":"6"})",
                          Vsn::v1));
  CHECK(m.join_ref == "6"s);
  CHECK(m.topic == "realtime:room1");
  auto hb = msg(parse_text(R"({"topic":"phoenix","event":"heartbeat","payload":{},"ref":"3"})", Vsn::v1));
  CHECK_FALSE(hb.join_ref.has_value());
  CHECK(encode_reply(Vsn::v1, "6"s, "6"s, "realtime:room1", "ok") ==
        R"({"topic":"realtime:room1","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"6"})");
  CHECK(encode(Vsn::v1, "6"s, std::nullopt, "realtime:room1", "phx_close", "{}") ==
        R"({"topic":"realtime:room1","event":"phx_close","payload":{},"ref":null})");
}

TEST_CASE("bad text frames are refused with the refs that could be read", "[phoenix]") {
  CHECK(err(parse_text("not json", Vsn::v2)).message == "frame is not valid JSON");
  CHECK(err(parse_text(R"({"topic":"x"})", Vsn::v2)).message.find("must be an array") != std::string::npos);
  CHECK(err(parse_text(R"(["1","2","t","e"])", Vsn::v2)).message.find("must be an array") != std::string::npos);
  auto e = err(parse_text(R"(["1","2","realtime:a",7,{}])", Vsn::v2));
  CHECK(e.message == "event must be a string of at most 255 bytes");
  CHECK(e.ref == "2"s);
  CHECK(e.join_ref == "1"s);
  CHECK(err(parse_text(R"(["1",2,"t","e",{}])", Vsn::v2)).message.find("ref must be a string") != std::string::npos);
  CHECK(err(parse_text(R"(["1","2","t","e",{}])", Vsn::v1)).message == "frame must be a JSON object");
  CHECK(err(parse_text(R"({"topic":"t","payload":{}})", Vsn::v1)).message == "frame has no event");
  std::string deep = R"(["1","2","t","e",)" + std::string(100, '[') + std::string(100, ']') + "]";
  CHECK(err(parse_text(deep, Vsn::v2)).message == "frame is nested too deeply");
  std::string long_topic = R"(["1","2",")" + std::string(256, 'a') + R"(","e",{}])";
  CHECK(err(parse_text(long_topic, Vsn::v2)).message.find("topic") != std::string::npos);
}

TEST_CASE("binary kind 3 in, kind 4 out", "[phoenix]") {
  REQUIRE(kKind3.size() == 45);
  auto p = parse_binary(kKind3, Vsn::v2);
  REQUIRE(std::holds_alternative<UserBroadcast>(p));
  auto b = std::get<UserBroadcast>(p);
  CHECK(b.join_ref == "6"s);
  CHECK(b.ref == "7"s);
  CHECK(b.topic == "realtime:room1");
  CHECK(b.event == "cursor");
  CHECK(b.meta.empty());
  CHECK(b.json);
  CHECK(b.payload == "{\"x\":2,\"y\":\"\xc3\xa9\"}");
  // Kind 4 as the client decodes it: 4, topicLen, eventLen, metaLen, encoding, topic, event, meta, payload.
  auto out = encode_user_broadcast(b.topic, b.event, "", true, b.payload);
  CHECK(out == "\x04\x0e\x06\x00\x01" "realtime:room1" "cursor"s + b.payload);
  CHECK(broadcast_payload(b.event, b.payload) == "{\"type\":\"broadcast\",\"event\":\"cursor\",\"payload\":" + b.payload + "}");
  // Raw bytes (encoding 0) with metadata.
  std::string raw = "\x03\x01\x01\x01\x01\x10\x00" "1" "2" "t" "e" R"({"persist":true})" "\x00\xff"s;
  auto r = std::get<UserBroadcast>(parse_binary(raw, Vsn::v2));
  CHECK_FALSE(r.json);
  CHECK(r.meta == R"({"persist":true})");
  CHECK(r.payload == "\x00\xff"s);
  CHECK(encode_user_broadcast("t", "e", r.meta, false, r.payload)[4] == '\x00');
  CHECK(encode_user_broadcast(std::string(256, 't'), "e", "", true, "{}").empty());
}

TEST_CASE("bad binary frames are refused; kinds 0-2 and vsn 1 take none", "[phoenix]") {
  CHECK(err(parse_binary(kKind3, Vsn::v1)).message == "binary frames need vsn 2.0.0");
  for (char kind : {'\x00', '\x01', '\x02', '\x04'}) {
    std::string f = kKind3;
    f[0] = kind;
    CHECK(err(parse_binary(f, Vsn::v2)).message.find("is not accepted") != std::string::npos);
  }
  CHECK(err(parse_binary(kKind3.substr(0, 20), Vsn::v2)).message == "binary frame is truncated");
  CHECK(err(parse_binary("\x03\x01", Vsn::v2)).message == "binary frame is truncated");
  std::string bad_json = kKind3.substr(0, 29) + "{\"x\":";
  auto e = err(parse_binary(bad_json, Vsn::v2));
  CHECK(e.message == "broadcast payload is not valid JSON");
  CHECK(e.ref == "7"s);  // the error can still answer the push
  std::string bad_enc = kKind3;
  bad_enc[6] = '\x07';
  CHECK(err(parse_binary(bad_enc, Vsn::v2)).message.find("encoding 7") != std::string::npos);
  std::string bad_meta = "\x03\x00\x00\x01\x01\x01\x01" "t" "e" "[" "{}"s;
  CHECK(err(parse_binary(bad_meta, Vsn::v2)).message == "broadcast metadata must be a JSON object");
}

TEST_CASE("phx_join config: bindings echoed verbatim with their ids", "[phoenix]") {
  auto r = parse_join(R"({"config":{"broadcast":{"ack":"true","self":true},"presence":{"key":"k1","enabled":true},
    "postgres_changes":[{"event":"INSERT","schema":"public","table":"chat_messages","filter":"thread_id=eq.x","id":99},
                        {"event":"*","schema":"public","table":"tickets"}],"private":true},
    "access_token":"eyJ.a.b","version":"realtime-js/2.119.1"})");
  REQUIRE(std::holds_alternative<JoinConfig>(r));
  auto c = std::get<JoinConfig>(r);
  CHECK(c.broadcast_ack);
  CHECK(c.broadcast_self);
  CHECK(c.presence_enabled);
  CHECK(c.presence_key == "k1");
  CHECK(c.is_private);
  CHECK(c.access_token == "eyJ.a.b"s);
  REQUIRE(c.postgres_changes.size() == 2);
  CHECK(c.postgres_changes[0].filter == "thread_id=eq.x");
  CHECK(c.postgres_changes[1].filter.empty());
  CHECK(join_response(c.postgres_changes, {11, 12}) ==
        R"({"postgres_changes":[{"event":"INSERT","schema":"public","table":"chat_messages","filter":"thread_id=eq.x","id":11},)"
        R"({"event":"*","schema":"public","table":"tickets","id":12}]})");
  CHECK(join_response({}, {}) == R"({"postgres_changes":[]})");
  // Tokens that mean "use the apikey".
  CHECK_FALSE(std::get<JoinConfig>(parse_join(R"({"access_token":"sb_publishable_x"})")).access_token.has_value());
  CHECK_FALSE(std::get<JoinConfig>(parse_join(R"({"access_token":null,"config":{}})")).access_token.has_value());
  CHECK_FALSE(std::get<JoinConfig>(parse_join(R"({})")).broadcast_self);
  // A since cursor (beyond Supabase).
  auto s = std::get<JoinConfig>(parse_join(
      R"({"config":{"postgres_changes":[{"event":"INSERT","schema":"public","table":"chat_messages","since":"4"}]}})"));
  CHECK(s.postgres_changes[0].since == "4"s);
}

TEST_CASE("bad join configs are refused with a reason", "[phoenix]") {
  CHECK(std::get<std::string>(parse_join("[]")) == "join payload must be a JSON object");
  CHECK(std::get<std::string>(parse_join(R"({"config":{"private":"yes"}})")) == "config.private must be a boolean");
  CHECK(std::get<std::string>(parse_join(R"({"config":{"postgres_changes":[{"event":"TRUNCATE"}]}})")).find("event") !=
        std::string::npos);
  CHECK(std::get<std::string>(parse_join(R"({"config":{"postgres_changes":{}}})")) ==
        "config.postgres_changes must be an array");
}

TEST_CASE("broadcast, presence and access_token pushes", "[phoenix]") {
  auto b = std::get<BroadcastPush>(parse_broadcast(R"({"type":"broadcast","event":"cursor","payload":{"x":1}})"));
  CHECK(b.event == "cursor");
  CHECK(b.payload == R"({"x":1})");
  CHECK(std::holds_alternative<std::string>(parse_broadcast(R"({"type":"broadcast","payload":{}})")));
  auto t = std::get<PresencePush>(parse_presence(R"({"type":"presence","event":"track","payload":{"online":true,"phx_ref":"x"}})"));
  CHECK(t.track);
  CHECK(t.meta == R"({"online":true})");  // phx_ref is the server's
  CHECK_FALSE(std::get<PresencePush>(parse_presence(R"({"type":"presence","event":"untrack"})")).track);
  CHECK(std::get<std::string>(parse_presence(R"({"event":"track","payload":[1]})")) == "Presence track payload must be a map");
  CHECK(std::get<std::optional<std::string>>(parse_access_token(R"({"access_token":"a.b.c"})")) == "a.b.c"s);
  CHECK_FALSE(std::get<std::optional<std::string>>(parse_access_token(R"({"access_token":null})")).has_value());
}

TEST_CASE("server payloads: system, presence, postgres_changes", "[phoenix]") {
  CHECK(system_payload("postgres_changes", true, "Subscribed to PostgreSQL", "room1") ==
        R"({"extension":"postgres_changes","status":"ok","message":"Subscribed to PostgreSQL","channel":"room1"})");
  std::vector<PresenceEntry> st = {{"k1", "F1", "", R"({"online":true})"}, {"k2", "F2", "", "{}"}, {"k1", "F3", "", "{}"}};
  CHECK(presence_map(st) ==
        R"({"k1":{"metas":[{"phx_ref":"F1","online":true},{"phx_ref":"F3"}]},"k2":{"metas":[{"phx_ref":"F2"}]}})");
  CHECK(presence_diff({{"k1", "F4", "F1", R"({"a":1})"}}, {{"k1", "F1", "", "{}"}}) ==
        R"({"joins":{"k1":{"metas":[{"phx_ref":"F4","phx_ref_prev":"F1","a":1}]}},"leaves":{"k1":{"metas":[{"phx_ref":"F1"}]}}})");
  CHECK(presence_map({}) == "{}");
  RowChange c;
  c.table = "todos";
  c.type = ChangeType::update;
  c.commit_timestamp = "2026-01-01T00:00:00.000Z";
  c.columns = R"([{"name":"id","type":"int8"}])";
  c.record = R"({"id":5,"done":true})";
  c.old_record = R"({"id":5,"done":false})";
  CHECK(postgres_changes_payload({38274651}, c) ==
        R"({"ids":[38274651],"data":{"schema":"public","table":"todos","commit_timestamp":"2026-01-01T00:00:00.000Z",)"
        R"("type":"UPDATE","columns":[{"name":"id","type":"int8"}],"record":{"id":5,"done":true},)"
        R"("old_record":{"id":5,"done":false},"errors":null}})");
  c.type = ChangeType::insert;
  CHECK(postgres_changes_payload({1}, c).find("old_record") == std::string::npos);
  c.type = ChangeType::del;
  CHECK(postgres_changes_payload({1}, c).find("\"record\"") == std::string::npos);
  CHECK(event_matches("*", ChangeType::del));
  CHECK(event_matches("delete", ChangeType::del));
  CHECK_FALSE(event_matches("INSERT", ChangeType::del));
}

TEST_CASE("filters: the eight operators, not., quoting, NULL", "[phoenix]") {
  const std::string row = R"({"id":5,"name":"a,b","status":"open","done":true,"gone":null,"score":2.5})";
  CHECK(matches("", row));
  CHECK(matches("id=eq.5", row));
  CHECK_FALSE(matches("id=eq.6", row));
  CHECK(matches("id=neq.6", row));
  CHECK(matches("id=lt.6,id=gt.4", row));
  CHECK(matches("id=lte.5,id=gte.5", row));
  CHECK_FALSE(matches("id=gt.5", row));
  CHECK(matches("score=gt.2.25", row));
  CHECK(matches(R"(name=eq."a,b")", row));
  CHECK(matches(R"(status=in.(closed,open))", row));
  CHECK(matches(R"(name=in.("a,b",x))", row));
  CHECK_FALSE(matches(R"(status=in.(closed))", row));
  CHECK(matches("status=not.in.(closed)", row));
  CHECK(matches("done=is.true", row));
  CHECK(matches("done=eq.true", row));
  CHECK(matches("gone=is.null", row));
  CHECK(matches("status=not.is.null", row));
  CHECK_FALSE(matches("gone=eq.x", row));
  CHECK_FALSE(matches("gone=not.eq.x", row));  // NULL: neither
  CHECK_FALSE(matches("gone=neq.x", row));
  CHECK_FALSE(matches("missing=eq.1", row));
  CHECK_FALSE(matches("id=eq.abc", row));      // a value of the wrong kind never matches
  CHECK(matches("status=gt.a,status=lt.p", row));
}

TEST_CASE("filters: other operators and bad syntax are refused by name", "[phoenix]") {
  for (const char* op : {"like", "ilike", "match", "imatch", "isdistinct", "fts"}) {
    INFO(op);
    CHECK(filter_error("name="s + op + ".x") == "filter operator "s + op + " is not supported (eq, neq, lt, lte, gt, gte, in, is)");
  }
  CHECK(filter_error("name") == R"(filter condition "name" is not column=op.value)");
  CHECK(filter_error("na;me=eq.1").find("is not a column name") != std::string::npos);
  CHECK(filter_error("id=in.()").find("must be a list") != std::string::npos);
  CHECK(filter_error("id=is.maybe").find("null, true, false or unknown") != std::string::npos);
  CHECK(filter_error(R"(id=eq."open)") == "filter has unbalanced quotes or parentheses");
  CHECK(filter_error("id=eq.a(b") == "filter has unbalanced quotes or parentheses");
  auto f = std::get<Filter>(parse_filter("thread_id=eq.abc"));
  CHECK(sole_eq(f, "thread_id") == "abc"s);
  CHECK_FALSE(sole_eq(f, "id").has_value());
  CHECK(unknown_column(f, {"id", "thread_id"}) == std::nullopt);
  CHECK(unknown_column(f, {"id"}) == "thread_id"s);
}

TEST_CASE("bindings: checked, compiled with stable unique ids, matched per change", "[phoenix]") {
  const std::string thread = "e0000000-0000-4000-8000-000000000001";
  auto cols = [](std::string_view t) -> std::vector<std::string> {
    if (t == "chat_messages") return {"id", "thread_id", "content", "seq"};
    if (t == "support_tickets") return {"id", "status"};
    return {};
  };
  auto join = [&](const std::string& pg) {
    auto c = parse_join(R"({"config":{"postgres_changes":)" + pg + "}}");
    REQUIRE(std::holds_alternative<JoinConfig>(c));
    return compile_bindings(std::get<JoinConfig>(c).postgres_changes, cols);
  };
  auto ok = join(R"([{"event":"INSERT","schema":"public","table":"chat_messages","filter":"thread_id=eq.)" + thread +
                 R"(","since":"3"},{"event":"*","schema":"public","table":"support_tickets","filter":"status=neq.closed"},)"
                 R"({"event":"DELETE","schema":"public"}])");
  REQUIRE(std::holds_alternative<std::vector<CompiledBinding>>(ok));
  auto b = std::get<std::vector<CompiledBinding>>(ok);
  REQUIRE(b.size() == 3);
  CHECK(b[0].since == 3);
  CHECK(b[0].since_thread == thread);
  CHECK(b[0].id != b[1].id);
  CHECK(b[1].id != b[2].id);
  // The same binding gets the same id on another join.
  auto again = std::get<std::vector<CompiledBinding>>(join(R"([{"event":"*","schema":"public","table":"support_tickets","filter":"status=neq.closed"}])"));
  CHECK(again[0].id == b[1].id);
  // Two identical bindings still get distinct ids.
  auto twins = std::get<std::vector<CompiledBinding>>(join(R"([{"event":"*","schema":"public","table":"tickets"},{"event":"*","schema":"public","table":"tickets"}])"));
  CHECK(twins[0].id != twins[1].id);

  simdjson::dom::parser p;
  auto row = [&](const std::string& json) { return p.parse(json).get_object().value(); };
  auto msg = row(R"({"id":"m","thread_id":")" + thread + R"(","content":"x","seq":4})");
  CHECK(matching_ids(b, "chat_messages", ChangeType::insert, msg) == std::vector<int64_t>{b[0].id});
  CHECK(matching_ids(b, "chat_messages", ChangeType::update, msg).empty());
  CHECK(matching_ids(b, "chat_messages", ChangeType::del, msg) == std::vector<int64_t>{b[2].id});  // table "" : all
  auto open_ticket = row(R"({"id":"t","status":"open"})");
  CHECK(matching_ids(b, "support_tickets", ChangeType::update, open_ticket) == std::vector<int64_t>{b[1].id});
  auto closed = row(R"({"id":"t","status":"closed"})");
  CHECK(matching_ids(b, "support_tickets", ChangeType::del, closed) == std::vector<int64_t>{b[2].id});

  auto err = [&](const std::string& pg) {
    auto r = join(pg);
    REQUIRE(std::holds_alternative<std::string>(r));
    return std::get<std::string>(r);
  };
  CHECK(err(R"([{"event":"*","schema":"auth","table":"users"}])") == "schema must be public");
  CHECK(err(R"([{"event":"*","schema":"public","table":"vehicles"}])") == "table vehicles is not available for postgres_changes");
  CHECK(err(R"([{"event":"*","schema":"public","table":"chat_messages","filter":"nope=eq.1"}])") ==
        "filter column nope does not exist on chat_messages");
  CHECK(err(R"([{"event":"*","schema":"public","table":"chat_messages","filter":"content=ilike.x"}])") ==
        "filter operator ilike is not supported (eq, neq, lt, lte, gt, gte, in, is)");
  CHECK(err(R"([{"event":"*","schema":"public","table":"support_tickets","since":"1"}])").find("since needs") == 0);
  CHECK(err(R"([{"event":"*","schema":"public","table":"chat_messages","filter":"thread_id=eq.)" + thread +
            R"(","since":"-1"}])").find("since must be a cursor") == 0);
}
