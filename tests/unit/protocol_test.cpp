// Unit tests of the techpulse.v1 wire format (../shared/design/protocol-v1.md): parse_client_frame, the event
// encoders, JSON string escaping, topics, cursors and UUIDs. Pure functions: no I/O.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "protocol/events.hpp"
#include "protocol/frames.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/uuid.hpp"

using namespace techpulse::protocol;

namespace {

const std::string kThread = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const std::string kThreadUpper = "3F2504E0-4F89-41D3-9A0C-0305E82C3301";
const std::string kTicket = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const std::string kTicketUpper = "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D";
const std::string kUser = "9b2d7c1e-1111-4222-8333-444455556666";

ClientFrame parse_ok(std::string_view text, const Limits& limits = {}) {
  INFO("frame: " << text);
  auto r = parse_client_frame(text, limits);
  if (const auto* e = std::get_if<ProtocolError>(&r)) {
    FAIL("expected the frame to parse, got " << to_string(e->code) << ": " << e->message);
  }
  return std::get<ClientFrame>(r);
}

ProtocolError parse_err(std::string_view text, const Limits& limits = {}) {
  INFO("frame: " << text);
  auto r = parse_client_frame(text, limits);
  if (const auto* f = std::get_if<ClientFrame>(&r)) {
    FAIL("expected an error, the frame parsed as type " << to_string(f->type));
  }
  return std::get<ProtocolError>(r);
}

// Asserts the frame is refused with `code` and that the error carries `ref`.
void require_error(std::string_view text, ErrorCode code, std::string_view ref = "", const Limits& limits = {}) {
  auto e = parse_err(text, limits);
  INFO("frame: " << text);
  INFO("error: " << to_string(e.code) << ": " << e.message);
  CHECK(e.code == code);
  CHECK(e.ref == ref);
  CHECK_FALSE(e.message.empty());
}

void require_bad_request(std::string_view text, std::string_view ref = "") {
  require_error(text, ErrorCode::bad_request, ref);
}

std::string send_frame(std::string_view extra) {
  return R"({"type":"send","ref":"s1","thread_id":")" + kThread + R"(","content":"hi")" + std::string(extra) + "}";
}

// simdjson helpers for checking encoder output.
simdjson::dom::element parse_json(simdjson::dom::parser& parser, const std::string& text) {
  INFO("json: " << text);
  simdjson::dom::element root;
  auto error = parser.parse(simdjson::padded_string(text)).get(root);
  INFO("simdjson: " << simdjson::error_message(error));
  REQUIRE(error == simdjson::SUCCESS);
  return root;
}

std::string str_of(simdjson::dom::element obj, const char* key) {
  INFO("key: " << key);
  std::string_view v;
  REQUIRE(obj[key].get_string().get(v) == simdjson::SUCCESS);
  return std::string(v);
}

bool bool_of(simdjson::dom::element obj, const char* key) {
  INFO("key: " << key);
  bool v = false;
  REQUIRE(obj[key].get_bool().get(v) == simdjson::SUCCESS);
  return v;
}

int64_t int_of(simdjson::dom::element obj, const char* key) {
  INFO("key: " << key);
  int64_t v = 0;
  REQUIRE(obj[key].get_int64().get(v) == simdjson::SUCCESS);
  return v;
}

bool has_key(simdjson::dom::element obj, const char* key) { return obj[key].error() != simdjson::NO_SUCH_FIELD; }

bool has_raw_control_byte(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

std::string nested_object(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += R"({"a":)";
  s += "1";
  for (int i = 0; i < depth; ++i) s += "}";
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Every client frame of the contract parses
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("a subscribe with a topic parses and carries the ref through") {
  auto f = parse_ok(R"({"type":"subscribe","ref":"1","topic":"thread:)" + kThread + R"("})");
  CHECK(f.type == FrameType::subscribe);
  CHECK(f.ref == "1");
  CHECK(f.topic == "thread:" + kThread);
  CHECK_FALSE(f.since.has_value());
}

TEST_CASE("a subscribe with since as a string cursor parses the cursor") {
  auto f = parse_ok(R"({"type":"subscribe","ref":"1","topic":"ticket:)" + kTicket + R"(","since":"42"})");
  CHECK(f.type == FrameType::subscribe);
  CHECK(f.topic == "ticket:" + kTicket);
  REQUIRE(f.since.has_value());
  CHECK(*f.since == 42);
}

TEST_CASE("a subscribe with since as an integer parses the cursor") {
  auto f = parse_ok(R"({"type":"subscribe","topic":"user:)" + kUser + R"(","since":42})");
  REQUIRE(f.since.has_value());
  CHECK(*f.since == 42);
  auto zero = parse_ok(R"({"type":"subscribe","topic":"user:)" + kUser + R"(","since":0})");
  REQUIRE(zero.since.has_value());
  CHECK(*zero.since == 0);
}

TEST_CASE("a subscribe with since null parses as no since") {
  auto f = parse_ok(R"({"type":"subscribe","topic":"thread:)" + kThread + R"(","since":null})");
  CHECK_FALSE(f.since.has_value());
}

TEST_CASE("an unsubscribe with a topic parses") {
  auto f = parse_ok(R"({"type":"unsubscribe","ref":"2","topic":"thread:)" + kThread + R"("})");
  CHECK(f.type == FrameType::unsubscribe);
  CHECK(f.ref == "2");
  CHECK(f.topic == "thread:" + kThread);
}

TEST_CASE("a send with only thread_id and content gets the defaults") {
  auto f = parse_ok(R"({"type":"send","ref":"3","thread_id":")" + kThread + R"(","content":"hello"})");
  CHECK(f.type == FrameType::send);
  CHECK(f.ref == "3");
  CHECK(f.thread_id == kThread);
  CHECK(f.content == "hello");
  CHECK(f.message_type == "text");
  CHECK(f.metadata == "{}");
  CHECK(f.client_msg_id.empty());
}

TEST_CASE("a send with every optional field parses them all") {
  auto f = parse_ok(R"({"type":"send","ref":"3","thread_id":")" + kThreadUpper +
                    R"(","content":"hello \"world\"\n","message_type":"image",)"
                    R"("metadata":{ "url" : "https://x/y.png", "size": [1, 2], "nested": {"ok": true, "n": null} },)"
                    R"("client_msg_id":"c-123"})");
  CHECK(f.type == FrameType::send);
  CHECK(f.ref == "3");
  CHECK(f.thread_id == kThread);  // lower-cased
  CHECK(f.content == "hello \"world\"\n");
  CHECK(f.message_type == "image");
  CHECK(f.client_msg_id == "c-123");

  simdjson::dom::parser p;
  auto md = parse_json(p, f.metadata);
  REQUIRE(md.is_object());
  CHECK(str_of(md, "url") == "https://x/y.png");
  simdjson::dom::array size;
  REQUIRE(md["size"].get_array().get(size) == simdjson::SUCCESS);
  CHECK(size.size() == 2);
  CHECK(bool_of(md["nested"].value(), "ok"));
  CHECK(md["nested"]["n"].is_null());
}

TEST_CASE("a send accepts each message_type of the contract") {
  for (const char* mt : {"text", "voice", "image", "file"}) {
    auto f = parse_ok(send_frame(std::string(R"(,"message_type":")") + mt + "\""));
    CHECK(f.message_type == mt);
  }
}

TEST_CASE("a send decodes JSON escapes in content") {
  auto f = parse_ok(R"({"type":"send","thread_id":")" + kThread +
                    R"(","content":"caf\u00e9 \ud83d\ude00 \\ \/ \t"})");
  CHECK(f.content == "caf\xc3\xa9 \xf0\x9f\x98\x80 \\ / \t");
}

TEST_CASE("a history with before and limit parses them") {
  auto f = parse_ok(R"({"type":"history","ref":"4","thread_id":")" + kThreadUpper + R"(","before":"17","limit":200})");
  CHECK(f.type == FrameType::history);
  CHECK(f.ref == "4");
  CHECK(f.thread_id == kThread);
  REQUIRE(f.before.has_value());
  CHECK(*f.before == 17);
  CHECK(f.limit == 200);

  auto g = parse_ok(R"({"type":"history","thread_id":")" + kThread + R"(","before":17,"limit":1})");
  REQUIRE(g.before.has_value());
  CHECK(*g.before == 17);
  CHECK(g.limit == 1);
}

TEST_CASE("a history without limit defaults to 50 and without before has no cursor") {
  auto f = parse_ok(R"({"type":"history","thread_id":")" + kThread + R"("})");
  CHECK(f.limit == 50);
  CHECK_FALSE(f.before.has_value());
}

TEST_CASE("a typing parses its thread_id") {
  auto f = parse_ok(R"({"type":"typing","thread_id":")" + kThreadUpper + R"("})");
  CHECK(f.type == FrameType::typing);
  CHECK(f.thread_id == kThread);
  CHECK(f.ref.empty());
}

TEST_CASE("a thread.create with title, ticket_id and assistant parses them") {
  auto f = parse_ok(R"({"type":"thread.create","ref":"5","title":"Printer on fire","ticket_id":")" + kTicketUpper +
                    R"(","assistant":false})");
  CHECK(f.type == FrameType::thread_create);
  CHECK(f.ref == "5");
  REQUIRE(f.title.has_value());
  CHECK(*f.title == "Printer on fire");
  CHECK(f.ticket_id == kTicket);  // lower-cased
  REQUIRE(f.assistant.has_value());
  CHECK(*f.assistant == false);
}

TEST_CASE("a thread.create with no fields parses with none of them set") {
  auto f = parse_ok(R"({"type":"thread.create"})");
  CHECK(f.type == FrameType::thread_create);
  CHECK_FALSE(f.title.has_value());
  CHECK(f.ticket_id.empty());
  CHECK_FALSE(f.assistant.has_value());
}

TEST_CASE("a thread.update parses thread_id, title and assistant") {
  auto f = parse_ok(R"({"type":"thread.update","ref":"u","thread_id":")" + kThreadUpper +
                    R"(","title":"Renamed","assistant":true})");
  CHECK(f.type == FrameType::thread_update);
  CHECK(f.ref == "u");
  CHECK(f.thread_id == kThread);
  REQUIRE(f.title.has_value());
  CHECK(*f.title == "Renamed");
  REQUIRE(f.assistant.has_value());
  CHECK(*f.assistant == true);
}

TEST_CASE("a threads.list with limit and before parses them") {
  auto f = parse_ok(R"({"type":"threads.list","ref":"6","limit":10,"before":"opaque-token"})");
  CHECK(f.type == FrameType::threads_list);
  CHECK(f.ref == "6");
  CHECK(f.limit == 10);
  CHECK(f.before_token == "opaque-token");

  auto g = parse_ok(R"({"type":"threads.list"})");
  CHECK(g.limit == 50);
  CHECK(g.before_token.empty());
}

TEST_CASE("an assistant.cancel parses its thread_id") {
  auto f = parse_ok(R"({"type":"assistant.cancel","ref":"c","thread_id":")" + kThreadUpper + R"("})");
  CHECK(f.type == FrameType::assistant_cancel);
  CHECK(f.ref == "c");
  CHECK(f.thread_id == kThread);
}

TEST_CASE("a ping parses and carries the ref") {
  auto f = parse_ok(R"({"type":"ping","ref":"7"})");
  CHECK(f.type == FrameType::ping);
  CHECK(f.ref == "7");
  auto g = parse_ok(R"({"type":"ping"})");
  CHECK(g.ref.empty());
}

TEST_CASE("an auth parses its access_token") {
  auto f = parse_ok(R"({"type":"auth","ref":"a","access_token":"aaa.bbb.ccc"})");
  CHECK(f.type == FrameType::auth);
  CHECK(f.ref == "a");
  CHECK(f.access_token == "aaa.bbb.ccc");
}

TEST_CASE("a ref of exactly 64 characters is accepted") {
  std::string ref(64, 'r');
  auto f = parse_ok(R"({"type":"ping","ref":")" + ref + R"("})");
  CHECK(f.ref == ref);
}

TEST_CASE("whitespace around the frame object is accepted") {
  auto f = parse_ok(" \n\t{ \"type\" : \"ping\" , \"ref\" : \"w\" } \r\n");
  CHECK(f.type == FrameType::ping);
  CHECK(f.ref == "w");
}

// ---------------------------------------------------------------------------------------------------------------
// Unknown fields are ignored
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("unknown fields are ignored") {
  auto f = parse_ok(R"({"x_unknown":[1,{"a":"b"}],"type":"send","extra":null,"thread_id":")" + kThread +
                    R"(","content":"hi","also":{"deep":[true,false]},"n":1.5,"big":18446744073709551615})");
  CHECK(f.type == FrameType::send);
  CHECK(f.thread_id == kThread);
  CHECK(f.content == "hi");
}

TEST_CASE("fields that belong to other frame types are ignored") {
  auto f = parse_ok(R"({"type":"ping","ref":"p","thread_id":5,"content":[],"limit":"x","topic":false})");
  CHECK(f.type == FrameType::ping);
  CHECK(f.ref == "p");
}

// ---------------------------------------------------------------------------------------------------------------
// Missing required fields
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("a frame without type is a bad_request that keeps the ref") {
  require_bad_request(R"({"ref":"r9","thread_id":")" + kThread + R"("})", "r9");
  require_bad_request(R"({})");
}

TEST_CASE("a subscribe without topic is a bad_request") {
  require_bad_request(R"({"type":"subscribe","ref":"1"})", "1");
}

TEST_CASE("an unsubscribe without topic is a bad_request") {
  require_bad_request(R"({"type":"unsubscribe","ref":"1"})", "1");
}

TEST_CASE("a send without thread_id is a bad_request") {
  require_bad_request(R"({"type":"send","ref":"s1","content":"hi"})", "s1");
  require_bad_request(R"({"type":"send","ref":"s1","thread_id":null,"content":"hi"})", "s1");
}

TEST_CASE("a send without content is a bad_request") {
  require_bad_request(R"({"type":"send","ref":"s1","thread_id":")" + kThread + R"("})", "s1");
}

TEST_CASE("a history without thread_id is a bad_request") {
  require_bad_request(R"({"type":"history","ref":"h","limit":5})", "h");
}

TEST_CASE("a typing without thread_id is a bad_request") {
  require_bad_request(R"({"type":"typing","ref":"t"})", "t");
}

TEST_CASE("a thread.update without thread_id is a bad_request") {
  require_bad_request(R"({"type":"thread.update","ref":"u","title":"x"})", "u");
}

TEST_CASE("an assistant.cancel without thread_id is a bad_request") {
  require_bad_request(R"({"type":"assistant.cancel","ref":"c"})", "c");
}

TEST_CASE("an auth without access_token is a bad_request") {
  require_bad_request(R"({"type":"auth","ref":"a"})", "a");
}

// ---------------------------------------------------------------------------------------------------------------
// Mistyped fields
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("a send whose thread_id is not a UUID is a bad_request") {
  for (std::string bad : {std::string("\"not-a-uuid\""), std::string("\"\""), std::string("5"),
                          "\"" + kThread.substr(0, 35) + "\"", "\"" + kThread + "0\"", "\"" + kThread + " \"",
                          std::string("\"3f2504e04f8941d39a0c0305e82c3301\""),
                          std::string("\"3f2504e0-4f89-41d3-9a0c-0305e82c330g\""),
                          std::string("\"{3f2504e0-4f89-41d3-9a0c-0305e82c3301}\""), std::string("[]"),
                          std::string("{}"), std::string("true")}) {
    require_bad_request(R"({"type":"send","ref":"s1","content":"hi","thread_id":)" + bad + "}", "s1");
  }
}

TEST_CASE("a send whose content is a number is a bad_request") {
  require_bad_request(R"({"type":"send","ref":"s1","thread_id":")" + kThread + R"(","content":5})", "s1");
}

TEST_CASE("a send whose content is not a string is a bad_request") {
  for (const char* bad : {"true", "[\"hi\"]", "{\"text\":\"hi\"}", "1.5"}) {
    require_bad_request(R"({"type":"send","ref":"s1","thread_id":")" + kThread + R"(","content":)" + bad + "}", "s1");
  }
}

TEST_CASE("a send with empty content is a bad_request") {
  require_bad_request(R"({"type":"send","ref":"s1","thread_id":")" + kThread + R"(","content":""})", "s1");
}

TEST_CASE("a send whose metadata is an array is a bad_request") {
  require_bad_request(send_frame(R"(,"metadata":[1,2])"), "s1");
}

TEST_CASE("a send whose metadata is a string is a bad_request") {
  require_bad_request(send_frame(R"(,"metadata":"{\"a\":1}")"), "s1");
}

TEST_CASE("a send whose metadata is a number or a boolean is a bad_request") {
  require_bad_request(send_frame(R"(,"metadata":1)"), "s1");
  require_bad_request(send_frame(R"(,"metadata":true)"), "s1");
}

TEST_CASE("a send with message_type video is a bad_request") {
  require_bad_request(send_frame(R"(,"message_type":"video")"), "s1");
}

TEST_CASE("a send whose message_type is not one of the contract's exact names is a bad_request") {
  require_bad_request(send_frame(R"(,"message_type":"TEXT")"), "s1");
  require_bad_request(send_frame(R"(,"message_type":"")"), "s1");
  require_bad_request(send_frame(R"(,"message_type":1)"), "s1");
}

TEST_CASE("a send whose client_msg_id is empty, too long or not a string is a bad_request") {
  require_bad_request(send_frame(R"(,"client_msg_id":"")"), "s1");
  require_bad_request(send_frame(R"(,"client_msg_id":")" + std::string(129, 'c') + "\""), "s1");
  require_bad_request(send_frame(R"(,"client_msg_id":7)"), "s1");
  auto f = parse_ok(send_frame(R"(,"client_msg_id":")" + std::string(128, 'c') + "\""));
  CHECK(f.client_msg_id == std::string(128, 'c'));
}

TEST_CASE("a history with limit 0 is a bad_request") {
  require_bad_request(R"({"type":"history","ref":"h","thread_id":")" + kThread + R"(","limit":0})", "h");
}

TEST_CASE("a history with limit 201 is a bad_request") {
  require_bad_request(R"({"type":"history","ref":"h","thread_id":")" + kThread + R"(","limit":201})", "h");
}

TEST_CASE("a history with limit \"5\" (a string) is a bad_request") {
  require_bad_request(R"({"type":"history","ref":"h","thread_id":")" + kThread + R"(","limit":"5"})", "h");
}

TEST_CASE("a history with a negative or fractional limit is a bad_request") {
  require_bad_request(R"({"type":"history","ref":"h","thread_id":")" + kThread + R"(","limit":-1})", "h");
  require_bad_request(R"({"type":"history","ref":"h","thread_id":")" + kThread + R"(","limit":5.5})", "h");
  require_bad_request(R"({"type":"history","ref":"h","thread_id":")" + kThread + R"(","limit":true})", "h");
}

TEST_CASE("a history whose before is not a cursor is a bad_request") {
  for (const char* bad : {"\"abc\"", "\"-1\"", "-1", "\"\"", "1.5", "true", "[1]"}) {
    require_bad_request(R"({"type":"history","ref":"h","thread_id":")" + kThread + R"(","before":)" + bad + "}", "h");
  }
}

TEST_CASE("a threads.list with limit out of 1..200 or not an integer is a bad_request") {
  require_bad_request(R"({"type":"threads.list","ref":"l","limit":0})", "l");
  require_bad_request(R"({"type":"threads.list","ref":"l","limit":201})", "l");
  require_bad_request(R"({"type":"threads.list","ref":"l","limit":"5"})", "l");
}

TEST_CASE("a threads.list whose before is not a string is a bad_request") {
  require_bad_request(R"({"type":"threads.list","ref":"l","before":5})", "l");
}

TEST_CASE("a thread.create with assistant \"yes\" is a bad_request") {
  require_bad_request(R"({"type":"thread.create","ref":"5","assistant":"yes"})", "5");
  require_bad_request(R"({"type":"thread.create","ref":"5","assistant":1})", "5");
}

TEST_CASE("a thread.update with assistant \"yes\" is a bad_request") {
  require_bad_request(R"({"type":"thread.update","ref":"u","thread_id":")" + kThread + R"(","assistant":"yes"})",
                      "u");
}

TEST_CASE("a thread.create whose ticket_id is not a UUID is a bad_request") {
  require_bad_request(R"({"type":"thread.create","ref":"5","ticket_id":"T-1234"})", "5");
  require_bad_request(R"({"type":"thread.create","ref":"5","ticket_id":""})", "5");
  require_bad_request(R"({"type":"thread.create","ref":"5","ticket_id":42})", "5");
}

TEST_CASE("a thread.create whose title is not a string is a bad_request") {
  require_bad_request(R"({"type":"thread.create","ref":"5","title":42})", "5");
  require_bad_request(R"({"type":"thread.create","ref":"5","title":["a"]})", "5");
}

TEST_CASE("a subscribe with since -1 is a bad_request") {
  require_bad_request(R"({"type":"subscribe","ref":"1","topic":"thread:)" + kThread + R"(","since":-1})", "1");
  require_bad_request(R"({"type":"subscribe","ref":"1","topic":"thread:)" + kThread + R"(","since":"-1"})", "1");
}

TEST_CASE("a subscribe whose since is not a cursor is a bad_request") {
  for (const char* bad : {"\"abc\"", "\"1x\"", "\"\"", "1.5", "true", "{}", "9223372036854775808",
                          "\"99999999999999999999\""}) {
    require_bad_request(R"({"type":"subscribe","ref":"1","topic":"thread:)" + kThread + R"(","since":)" + bad + "}",
                        "1");
  }
}

TEST_CASE("a subscribe whose topic is not a string is a bad_request") {
  require_bad_request(R"({"type":"subscribe","ref":"1","topic":5})", "1");
  require_bad_request(R"({"type":"subscribe","ref":"1","topic":{"thread":"x"}})", "1");
}

TEST_CASE("an auth whose access_token is not a string is a bad_request") {
  require_bad_request(R"({"type":"auth","ref":"a","access_token":123})", "a");
}

TEST_CASE("a ref that is a number is a bad_request") {
  require_bad_request(R"({"type":"ping","ref":8})");
  require_bad_request(R"({"type":"ping","ref":["8"]})");
}

TEST_CASE("a ref longer than 64 characters is a bad_request") {
  require_bad_request(R"({"type":"ping","ref":")" + std::string(65, 'r') + R"("})");
}

TEST_CASE("a frame without type is a bad_request") {
  require_bad_request(R"({"ref":"x"})", "x");
}

TEST_CASE("a frame whose type is not a string is a bad_request") {
  require_bad_request(R"({"type":5,"ref":"x"})", "x");
  require_bad_request(R"({"type":null,"ref":"x"})", "x");
  require_bad_request(R"({"type":["ping"],"ref":"x"})", "x");
  require_bad_request(R"({"type":{"name":"ping"},"ref":"x"})", "x");
}

TEST_CASE("an unknown type is unknown_type and keeps the ref") {
  require_error(R"({"type":"dance","ref":"u1"})", ErrorCode::unknown_type, "u1");
  require_error(R"({"type":"PING","ref":"u2"})", ErrorCode::unknown_type, "u2");
  require_error(R"({"type":"","ref":"u3"})", ErrorCode::unknown_type, "u3");
  require_error(R"({"type":"welcome"})", ErrorCode::unknown_type);
}

TEST_CASE("an error keeps the ref wherever the ref field appears in the frame") {
  require_bad_request(R"({"type":"send","content":"hi","ref":"last"})", "last");
  require_bad_request(R"({"ref":"first","type":"send","content":"hi"})", "first");
}

// ---------------------------------------------------------------------------------------------------------------
// Invalid JSON
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("a truncated object is a bad_request") {
  require_bad_request(R"({"type":"ping","ref":"1")");
  require_bad_request(R"({"type":"pi)");
  require_bad_request(R"({)");
  require_bad_request(R"({"type":)");
}

TEST_CASE("trailing garbage after the object is a bad_request") {
  require_bad_request(R"({"type":"ping"} x)");
  require_bad_request(R"({"type":"ping"}{"type":"ping"})");
  require_bad_request(R"({"type":"ping"},)");
}

TEST_CASE("a JSON array instead of an object is a bad_request") {
  require_bad_request(R"([{"type":"ping"}])");
  require_bad_request(R"([])");
}

TEST_CASE("a JSON scalar instead of an object is a bad_request") {
  require_bad_request(R"("ping")");
  require_bad_request("42");
  require_bad_request("null");
  require_bad_request("true");
}

TEST_CASE("an empty frame is a bad_request") {
  require_bad_request("");
  require_bad_request("   ");
}

TEST_CASE("syntactically wrong JSON is a bad_request") {
  require_bad_request(R"({'type':'ping'})");
  require_bad_request(R"({type:"ping"})");
  require_bad_request(R"({"type":"ping",})");
  require_bad_request(R"({"type":"ping" "ref":"1"})");
  require_bad_request(R"({"type":"pi\xng"})");
  require_bad_request("{\"type\":\"pi\nng\"}");  // raw control character inside a string
}

TEST_CASE("metadata nested deeper than 32 levels is a bad_request that mentions nesting") {
  auto e = parse_err(send_frame(R"(,"metadata":)" + nested_object(40)));
  INFO(e.message);
  CHECK(e.code == ErrorCode::bad_request);
  CHECK_THAT(e.message, Catch::Matchers::Contains("nest", Catch::CaseSensitive::No));

  auto arrays = parse_err(send_frame(R"(,"metadata":{"a":)" + std::string(64, '[') + std::string(64, ']') + "}"));
  CHECK(arrays.code == ErrorCode::bad_request);
  CHECK_THAT(arrays.message, Catch::Matchers::Contains("nest", Catch::CaseSensitive::No));
}

TEST_CASE("metadata nested 20 levels deep is accepted") {
  auto f = parse_ok(send_frame(R"(,"metadata":)" + nested_object(20)));
  simdjson::dom::parser p;
  auto md = parse_json(p, f.metadata);
  CHECK(md.is_object());
}

TEST_CASE("invalid UTF-8 bytes inside a string are a bad_request") {
  for (std::string bad : {std::string("\xff"), std::string("\xc0\xaf"), std::string("\x80"), std::string("\xe6\x97"),
                          std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80"), std::string("a\xfe" "b")}) {
    require_bad_request(R"({"type":"send","thread_id":")" + kThread + R"(","content":"x)" + bad + R"(y"})");
    require_bad_request(R"({"type":"ping","ref":"r)" + bad + R"("})");
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Size limits and NUL
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("content over max_content_bytes is too_large and at the limit is accepted") {
  Limits limits;
  std::string at_limit(limits.max_content_bytes, 'a');
  auto f = parse_ok(R"({"type":"send","thread_id":")" + kThread + R"(","content":")" + at_limit + R"("})");
  CHECK(f.content.size() == limits.max_content_bytes);

  std::string over(limits.max_content_bytes + 1, 'a');
  require_error(R"({"type":"send","ref":"big","thread_id":")" + kThread + R"(","content":")" + over + R"("})",
                ErrorCode::too_large, "big");
}

TEST_CASE("content over a configured max_content_bytes is too_large, counted in bytes") {
  Limits limits;
  limits.max_content_bytes = 10;
  // 5 x "é" is 10 bytes: accepted; 6 x "é" is 12 bytes: too large.
  auto f = parse_ok(R"({"type":"send","thread_id":")" + kThread + R"(","content":"ééééé"})", limits);
  CHECK(f.content.size() == 10);
  require_error(R"({"type":"send","ref":"r","thread_id":")" + kThread + R"(","content":"éééééé"})",
                ErrorCode::too_large, "r", limits);
}

TEST_CASE("metadata over max_metadata_bytes is too_large and at the limit is accepted") {
  Limits limits;
  // {"k":"xxx..."} is 8 bytes of framing plus the filler.
  std::string at_limit = R"({"k":")" + std::string(limits.max_metadata_bytes - 8, 'x') + R"("})";
  REQUIRE(at_limit.size() == limits.max_metadata_bytes);
  auto f = parse_ok(send_frame(R"(,"metadata":)" + at_limit));
  CHECK(f.metadata == at_limit);

  std::string over = R"({"k":")" + std::string(limits.max_metadata_bytes - 7, 'x') + R"("})";
  require_error(send_frame(R"(,"metadata":)" + over), ErrorCode::too_large, "s1");
}

TEST_CASE("title over max_title_chars is too_large and at the limit is accepted") {
  Limits limits;
  auto f = parse_ok(R"({"type":"thread.create","title":")" + std::string(limits.max_title_chars, 't') + R"("})");
  REQUIRE(f.title.has_value());
  CHECK(f.title->size() == limits.max_title_chars);

  require_error(R"({"type":"thread.create","ref":"t","title":")" + std::string(limits.max_title_chars + 1, 't') + R"("})",
                ErrorCode::too_large, "t");
  require_error(R"({"type":"thread.update","ref":"t","thread_id":")" + kThread + R"(","title":")" +
                    std::string(limits.max_title_chars + 1, 't') + R"("})",
                ErrorCode::too_large, "t");
}

TEST_CASE("the field limits are configurable") {
  Limits limits;
  limits.max_content_bytes = 10;
  limits.max_title_chars = 5;
  limits.max_metadata_bytes = 16;
  CHECK(std::holds_alternative<ClientFrame>(parse_client_frame(
      R"({"type":"send","ref":"s","thread_id":")" + kThread + R"(","content":"0123456789"})", limits)));
  require_error(R"({"type":"send","ref":"s","thread_id":")" + kThread + R"(","content":"0123456789a"})", ErrorCode::too_large,
                "s", limits);
  require_error(R"({"type":"thread.create","ref":"t","title":"abcdef"})", ErrorCode::too_large, "t", limits);
  require_error(R"({"type":"send","ref":"m","thread_id":")" + kThread + R"(","content":"x","metadata":{"k":"0123456789ab"}})",
                ErrorCode::too_large, "m", limits);
}

TEST_CASE("an access_token over max_access_token_bytes is too_large") {
  Limits limits;
  require_error(R"({"type":"auth","ref":"a","access_token":")" + std::string(limits.max_access_token_bytes + 1, 'x') +
                    R"("})",
                ErrorCode::too_large, "a");
}

TEST_CASE("content containing \\u0000 is a bad_request") {
  require_bad_request(R"({"type":"send","ref":"n","thread_id":")" + kThread + R"(","content":"a\u0000b"})", "n");
  require_bad_request(R"({"type":"send","ref":"n","thread_id":")" + kThread + R"(","content":"\u0000"})", "n");
}

TEST_CASE("a title containing \\u0000 is a bad_request") {
  require_bad_request(R"({"type":"thread.create","ref":"n","title":"a\u0000b"})", "n");
}

TEST_CASE("metadata containing \\u0000 is a bad_request") {
  require_bad_request(send_frame(R"(,"metadata":{"a":"x\u0000y"})"), "s1");
  require_bad_request(send_frame(R"(,"metadata":{"x\u0000y":1})"), "s1");
}

TEST_CASE("metadata holding the six characters backslash-u0000 (no NUL) is accepted") {
  // JSON "\\u0000" is a backslash followed by "u0000": not a NUL character.
  auto f = parse_ok(send_frame(R"(,"metadata":{"pattern":"\\u0000"})"));
  simdjson::dom::parser p;
  auto md = parse_json(p, f.metadata);
  CHECK(str_of(md, "pattern") == "\\u0000");
}

// ---------------------------------------------------------------------------------------------------------------
// JSON string escaping round-trips
// ---------------------------------------------------------------------------------------------------------------

namespace {

std::string tricky_string() {
  std::string s = "quote \" backslash \\ slash / ";
  for (int c = 0; c < 0x20; ++c) {
    s.push_back(static_cast<char>(c));
  }
  s += " \\\" \"\\ ";
  s += "\x7f";                    // DEL: legal unescaped in JSON
  s += "\xc3\xa9";                // é
  s += "\xe6\x97\xa5\xe6\x9c\xac";  // 日本
  s += "\xf0\x9f\x98\x80";        // 😀
  s += std::string("\0end", 4);   // NUL in the middle
  return s;
}

}  // namespace

TEST_CASE("append_json_string output decodes to the original bytes") {
  const std::string original = tricky_string();
  std::string out;
  append_json_string(out, original);
  INFO("encoded: " << out);
  CHECK_FALSE(has_raw_control_byte(out));
  CHECK(out.front() == '"');
  CHECK(out.back() == '"');

  simdjson::dom::parser p;
  auto root = parse_json(p, out);
  std::string_view decoded;
  REQUIRE(root.get_string().get(decoded) == simdjson::SUCCESS);
  CHECK(decoded.size() == original.size());
  CHECK(std::string(decoded) == original);
}

TEST_CASE("append_json_string escapes every control character 0x00-0x1f individually") {
  for (int c = 0; c < 0x20; ++c) {
    std::string original(1, static_cast<char>(c));
    std::string out;
    append_json_string(out, original);
    INFO("byte 0x" << std::hex << c << " encoded as " << out);
    CHECK_FALSE(has_raw_control_byte(out));
    simdjson::dom::parser p;
    auto root = parse_json(p, out);
    std::string_view decoded;
    REQUIRE(root.get_string().get(decoded) == simdjson::SUCCESS);
    CHECK(std::string(decoded) == original);
  }
}

TEST_CASE("append_json_string appends to what is already in the buffer and handles the empty string") {
  std::string out = "prefix:";
  append_json_string(out, "");
  CHECK(out == "prefix:\"\"");
  append_json_string(out, "a\"b");
  CHECK(out == "prefix:\"\"\"a\\\"b\"");
}

TEST_CASE("encode_error escapes its message and ref so they decode to the original bytes") {
  const std::string original = tricky_string();
  const std::string ref = "r\"\\\n\x01\xc3\xa9";
  auto out = encode_error(ref, ErrorCode::bad_request, original);
  INFO("encoded: " << out);
  CHECK_FALSE(has_raw_control_byte(out));
  simdjson::dom::parser p;
  auto root = parse_json(p, out);
  CHECK(str_of(root, "type") == "error");
  CHECK(str_of(root, "code") == "bad_request");
  CHECK(str_of(root, "message") == original);
  CHECK(str_of(root, "ref") == ref);
}

// ---------------------------------------------------------------------------------------------------------------
// Encoders
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("encode_welcome produces the contract's welcome event") {
  auto out = encode_welcome("11111111-2222-4333-8444-555555555555", kUser, "customer", 25000);
  simdjson::dom::parser p;
  auto root = parse_json(p, out);
  CHECK(str_of(root, "type") == "welcome");
  CHECK(str_of(root, "protocol") == "techpulse.v1");
  CHECK(str_of(root, "session_id") == "11111111-2222-4333-8444-555555555555");
  CHECK(str_of(root, "user_id") == kUser);
  CHECK(str_of(root, "role") == "customer");
  CHECK(int_of(root, "heartbeat_ms") == 25000);
}

TEST_CASE("encode_ack produces an ack with a string cursor and duplicate false") {
  Ack ack{"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", kThread, 42, "2024-05-01T12:00:00.123456Z", false};
  auto out = encode_ack("3", ack);
  simdjson::dom::parser p;
  auto root = parse_json(p, out);
  CHECK(str_of(root, "type") == "ack");
  CHECK(str_of(root, "ref") == "3");
  CHECK(str_of(root, "message_id") == ack.message_id);
  CHECK(str_of(root, "thread_id") == kThread);
  CHECK(str_of(root, "cursor") == "42");
  CHECK(str_of(root, "created_at") == ack.created_at);
  CHECK(bool_of(root, "duplicate") == false);
}

TEST_CASE("encode_ack marks a duplicate send with duplicate true") {
  Ack ack{"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", kThread, 9223372036854775807LL, "2024-05-01T12:00:00Z", true};
  auto out = encode_ack("r", ack);
  simdjson::dom::parser p;
  auto root = parse_json(p, out);
  CHECK(bool_of(root, "duplicate") == true);
  CHECK(str_of(root, "cursor") == "9223372036854775807");
}

TEST_CASE("encode_subscribed produces a subscribed event with a string cursor") {
  auto out = encode_subscribed("1", "thread:" + kThread, 7);
  simdjson::dom::parser p;
  auto root = parse_json(p, out);
  CHECK(str_of(root, "type") == "subscribed");
  CHECK(str_of(root, "ref") == "1");
  CHECK(str_of(root, "topic") == "thread:" + kThread);
  CHECK(str_of(root, "cursor") == "7");

  auto zero = encode_subscribed("", "user:" + kUser, 0);
  simdjson::dom::parser p2;
  auto z = parse_json(p2, zero);
  CHECK(str_of(z, "cursor") == "0");
  CHECK_FALSE(has_key(z, "ref"));
}

TEST_CASE("encode_unsubscribed produces an unsubscribed event") {
  auto out = encode_unsubscribed("2", "thread:" + kThread);
  simdjson::dom::parser p;
  auto root = parse_json(p, out);
  CHECK(str_of(root, "type") == "unsubscribed");
  CHECK(str_of(root, "ref") == "2");
  CHECK(str_of(root, "topic") == "thread:" + kThread);
}

namespace {

std::string message_json(const std::string& id, const std::string& content) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("id", id)
      .field("thread_id", kThread)
      .field_null("sender_id")
      .field("role", "assistant")
      .field("content", content)
      .field("message_type", "text")
      .field_raw("metadata", "{}")
      .field("created_at", "2024-05-01T12:00:00Z")
      .field("updated_at", "2024-05-01T12:00:00Z")
      .end_object();
  return out;
}

}  // namespace

TEST_CASE("encode_message with replay true has replay:true and the message object spliced in") {
  const std::string id = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
  auto out = encode_message("thread:" + kThread, 12, message_json(id, "hi \"there\""), true);
  simdjson::dom::parser p;
  auto root = parse_json(p, out);
  CHECK(str_of(root, "type") == "message");
  CHECK(str_of(root, "topic") == "thread:" + kThread);
  CHECK(str_of(root, "cursor") == "12");
  CHECK(bool_of(root, "replay") == true);
  simdjson::dom::element msg;
  REQUIRE(root["message"].get(msg) == simdjson::SUCCESS);
  REQUIRE(msg.is_object());
  CHECK(str_of(msg, "id") == id);
  CHECK(str_of(msg, "thread_id") == kThread);
  CHECK(msg["sender_id"].is_null());
  CHECK(str_of(msg, "role") == "assistant");
  CHECK(str_of(msg, "content") == "hi \"there\"");
  CHECK(str_of(msg, "message_type") == "text");
  CHECK(msg["metadata"].is_object());
}

TEST_CASE("encode_message without replay has no replay field") {
  auto out = encode_message("ticket:" + kTicket, 3, message_json("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "x"));
  simdjson::dom::parser p;
  auto root = parse_json(p, out);
  CHECK(str_of(root, "type") == "message");
  CHECK(str_of(root, "cursor") == "3");
  CHECK_FALSE(has_key(root, "replay"));
  CHECK(root["message"].is_object());
}

TEST_CASE("encode_history lists the messages oldest first with has_more and next_before") {
  HistoryPage page;
  page.messages_json = {message_json("00000000-0000-4000-8000-000000000001", "first"),
                        message_json("00000000-0000-4000-8000-000000000002", "second"),
                        message_json("00000000-0000-4000-8000-000000000003", "third")};
  page.has_more = true;
  page.next_before = 101;
  auto out = encode_history("4", kThread, page);
  simdjson::dom::parser p;
  auto root = parse_json(p, out);
  CHECK(str_of(root, "type") == "history");
  CHECK(str_of(root, "ref") == "4");
  CHECK(str_of(root, "thread_id") == kThread);
  simdjson::dom::array messages;
  REQUIRE(root["messages"].get_array().get(messages) == simdjson::SUCCESS);
  REQUIRE(messages.size() == 3);
  CHECK(str_of(messages.at(0).value(), "content") == "first");
  CHECK(str_of(messages.at(1).value(), "content") == "second");
  CHECK(str_of(messages.at(2).value(), "content") == "third");
  CHECK(str_of(messages.at(0).value(), "id") == "00000000-0000-4000-8000-000000000001");
  CHECK(bool_of(root, "has_more") == true);
  CHECK(str_of(root, "next_before") == "101");
}

TEST_CASE("encode_history of an empty last page has an empty messages array and has_more false") {
  HistoryPage page;
  auto out = encode_history("", kThread, page);
  simdjson::dom::parser p;
  auto root = parse_json(p, out);
  CHECK(str_of(root, "type") == "history");
  CHECK_FALSE(has_key(root, "ref"));
  simdjson::dom::array messages;
  REQUIRE(root["messages"].get_array().get(messages) == simdjson::SUCCESS);
  CHECK(messages.size() == 0);
  CHECK(bool_of(root, "has_more") == false);
  if (has_key(root, "next_before")) {
    CHECK(root["next_before"].is_null());
  }
}

TEST_CASE("encode_error omits ref when it is empty") {
  auto out = encode_error("", ErrorCode::unknown_type, "unknown frame type");
  simdjson::dom::parser p;
  auto root = parse_json(p, out);
  CHECK(str_of(root, "type") == "error");
  CHECK_FALSE(has_key(root, "ref"));
  CHECK(str_of(root, "code") == "unknown_type");
  CHECK(str_of(root, "message") == "unknown frame type");
}

TEST_CASE("encode_error carries the ref and the contract's name of every error code") {
  const std::pair<ErrorCode, const char*> codes[] = {
      {ErrorCode::bad_request, "bad_request"},   {ErrorCode::unknown_type, "unknown_type"},
      {ErrorCode::unauthorized, "unauthorized"}, {ErrorCode::forbidden, "forbidden"},
      {ErrorCode::not_found, "not_found"},       {ErrorCode::conflict, "conflict"},
      {ErrorCode::rate_limited, "rate_limited"}, {ErrorCode::too_large, "too_large"},
      {ErrorCode::unavailable, "unavailable"},   {ErrorCode::internal, "internal"}};
  for (const auto& [code, name] : codes) {
    auto out = encode_error("8", code, "m");
    simdjson::dom::parser p;
    auto root = parse_json(p, out);
    CHECK(str_of(root, "ref") == "8");
    CHECK(str_of(root, "code") == name);
  }
}

TEST_CASE("encode_pong echoes the ref") {
  simdjson::dom::parser p;
  auto root = parse_json(p, encode_pong("7"));
  CHECK(str_of(root, "type") == "pong");
  CHECK(str_of(root, "ref") == "7");
  simdjson::dom::parser p2;
  auto bare = parse_json(p2, encode_pong(""));
  CHECK_FALSE(has_key(bare, "ref"));
}

TEST_CASE("encode_typing names the thread and the user") {
  simdjson::dom::parser p;
  auto root = parse_json(p, encode_typing(kThread, kUser));
  CHECK(str_of(root, "type") == "typing");
  CHECK(str_of(root, "thread_id") == kThread);
  CHECK(str_of(root, "user_id") == kUser);
}

TEST_CASE("encode_thread and encode_threads splice thread objects in") {
  const std::string thread = R"({"id":")" + kThread + R"(","title":"T","ticket_id":null,"user_id":")" + kUser +
                             R"(","assistant":true,"created_at":"x","updated_at":"y"})";
  simdjson::dom::parser p;
  auto one = parse_json(p, encode_thread("5", thread));
  CHECK(str_of(one, "type") == "thread");
  CHECK(str_of(one, "ref") == "5");
  CHECK(str_of(one["thread"].value(), "id") == kThread);
  CHECK(bool_of(one["thread"].value(), "assistant") == true);

  simdjson::dom::parser p2;
  auto many = parse_json(p2, encode_threads("6", {thread, thread}, false, ""));
  CHECK(str_of(many, "type") == "threads");
  CHECK(str_of(many, "ref") == "6");
  simdjson::dom::array threads;
  REQUIRE(many["threads"].get_array().get(threads) == simdjson::SUCCESS);
  CHECK(threads.size() == 2);
  CHECK(bool_of(many, "has_more") == false);
}

// ---------------------------------------------------------------------------------------------------------------
// Topics, cursors, UUIDs
// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("parse_topic accepts thread:, ticket: and user: followed by a UUID") {
  auto t = parse_topic("thread:" + kThread);
  REQUIRE(t.has_value());
  CHECK(t->kind == TopicKind::thread);
  CHECK(t->id == kThread);
  CHECK(t->str() == "thread:" + kThread);

  auto k = parse_topic("ticket:" + kTicketUpper);
  REQUIRE(k.has_value());
  CHECK(k->kind == TopicKind::ticket);
  CHECK(k->id == kTicket);  // lower-cased
  CHECK(k->str() == "ticket:" + kTicket);

  auto u = parse_topic("user:" + kUser);
  REQUIRE(u.has_value());
  CHECK(u->kind == TopicKind::user);
  CHECK(u->id == kUser);
  CHECK(u->str() == "user:" + kUser);
}

TEST_CASE("parse_topic rejects other prefixes and bad UUIDs") {
  for (std::string bad : {"channel:" + kThread, "Thread:" + kThread, "THREAD:" + kThread, "thread" + kThread,
                          "thread::" + kThread, " thread:" + kThread, "threads:" + kThread, "users:" + kThread,
                          std::string("thread:"), std::string("user:"), std::string(""), std::string(":") + kThread,
                          kThread, "thread:" + kThread + "0", "thread:" + kThread.substr(1),
                          "thread:" + kThread + " ", std::string("thread:not-a-uuid"),
                          std::string("ticket:3f2504e04f8941d39a0c0305e82c3301"),
                          std::string("user:3f2504e0-4f89-41d3-9a0c-0305e82c330z"),
                          "thread:" + kThread + ":extra"}) {
    INFO("topic: " << bad);
    CHECK_FALSE(parse_topic(bad).has_value());
  }
}

TEST_CASE("parse_cursor accepts non-negative decimal integers") {
  CHECK(parse_cursor("0") == std::optional<int64_t>(0));
  CHECK(parse_cursor("42") == std::optional<int64_t>(42));
  CHECK(parse_cursor("9223372036854775807") == std::optional<int64_t>(INT64_MAX));
}

TEST_CASE("parse_cursor rejects empty, negative, non-numeric and partly numeric strings") {
  for (const char* bad : {"", "-1", "abc", "1x", " 1", "1 ", "+1", "0x10", "1.0", "9223372036854775808",
                          "99999999999999999999", "-0x1"}) {
    INFO("cursor: \"" << bad << "\"");
    CHECK_FALSE(parse_cursor(bad).has_value());
  }
}

TEST_CASE("is_uuid accepts the canonical form in either case and rejects anything else") {
  CHECK(is_uuid(kThread));
  CHECK(is_uuid(kThreadUpper));
  CHECK_FALSE(is_uuid(""));
  CHECK_FALSE(is_uuid("3f2504e04f8941d39a0c0305e82c3301"));
  CHECK_FALSE(is_uuid(kThread + "0"));
  CHECK_FALSE(is_uuid("3f2504e0-4f89-41d3-9a0c-0305e82c330g"));
  CHECK_FALSE(is_uuid("3f2504e0_4f89-41d3-9a0c-0305e82c3301"));
}

TEST_CASE("new_uuid returns lower-case version 4 UUIDs") {
  for (int i = 0; i < 100; ++i) {
    auto id = new_uuid();
    INFO(id);
    REQUIRE(is_uuid(id));
    CHECK(id[14] == '4');
    CHECK(std::string_view("89ab").find(id[19]) != std::string_view::npos);  // RFC 4122 variant
    for (char c : id) {
      CHECK_FALSE((c >= 'A' && c <= 'F'));
    }
  }
}

TEST_CASE("1000 calls of new_uuid are all distinct") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    seen.insert(new_uuid());
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("to_string of a frame type names the contract's type") {
  CHECK(to_string(FrameType::thread_create) == "thread.create");
  CHECK(to_string(FrameType::thread_update) == "thread.update");
  CHECK(to_string(FrameType::threads_list) == "threads.list");
  CHECK(to_string(FrameType::assistant_cancel) == "assistant.cancel");
}
