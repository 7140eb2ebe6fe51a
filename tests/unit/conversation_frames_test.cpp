// Unit tests of the conversation frames and events (protocol/conversation_frames.*): message.edit, message.delete,
// read, search, and the encoders of message.updated/deleted, read, presence.*, search.results and the ticket
// topic's `subscribed`.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include <string>
#include <variant>

#include "protocol/conversation_frames.hpp"
#include "protocol/frames.hpp"

using namespace techpulse::protocol;

namespace {

const std::string kMsg = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const std::string kMsgUpper = "3F2504E0-4F89-41D3-9A0C-0305E82C3301";
const std::string kThread = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const std::string kUser = "9b2d7c1e-1111-4222-8333-444455556666";

ClientFrame ok_frame(const std::string& text, const Limits& limits = {}) {
  INFO("frame: " << text);
  auto r = parse_client_frame(text, limits);
  if (const auto* e = std::get_if<ProtocolError>(&r)) FAIL(to_string(e->code) << ": " << e->message);
  return std::get<ClientFrame>(r);
}

ProtocolError err_frame(const std::string& text, const Limits& limits = {}) {
  INFO("frame: " << text);
  auto r = parse_client_frame(text, limits);
  if (std::holds_alternative<ClientFrame>(r)) FAIL("the frame parsed");
  return std::get<ProtocolError>(r);
}

simdjson::dom::element json(simdjson::dom::parser& p, const std::string& text) {
  simdjson::dom::element root;
  REQUIRE_FALSE(p.parse(simdjson::padded_string(text)).get(root));
  return root;
}

std::string str(simdjson::dom::element e, const char* pointer) {
  std::string_view s;
  if (e.at_pointer(pointer).get_string().get(s)) return "<absent>";
  return std::string(s);
}

}  // namespace

TEST_CASE("message.edit parses message_id (lower-cased), content and ref", "[protocol][conversation]") {
  auto f = ok_frame(R"({"type":"message.edit","ref":"e1","message_id":")" + kMsgUpper + R"(","content":"fixed"})");
  CHECK(f.type == FrameType::message_edit);
  CHECK(f.ref == "e1");
  CHECK(f.message_id == kMsg);
  CHECK(f.content == "fixed");
  CHECK(to_string(f.type) == "message.edit");
}

TEST_CASE("message.edit content follows the send rules: required, not empty, no NUL, size limit", "[protocol][conversation]") {
  auto base = R"({"type":"message.edit","ref":"r","message_id":")" + kMsg + R"(")";
  CHECK(err_frame(base + "}").code == ErrorCode::bad_request);
  CHECK(err_frame(base + R"(,"content":""})").code == ErrorCode::bad_request);
  CHECK(err_frame(base + R"(,"content":"a\u0000b"})").code == ErrorCode::bad_request);
  CHECK(err_frame(base + R"(,"content":7})").code == ErrorCode::bad_request);
  Limits small;
  small.max_content_bytes = 4;
  auto e = err_frame(base + R"(,"content":"12345"})", small);
  CHECK(e.code == ErrorCode::too_large);
  CHECK(e.ref == "r");
  ok_frame(base + R"(,"content":"1234"})", small);
}

TEST_CASE("message.delete needs a UUID message_id", "[protocol][conversation]") {
  auto f = ok_frame(R"({"type":"message.delete","message_id":")" + kMsg + R"("})");
  CHECK(f.type == FrameType::message_delete);
  CHECK(f.message_id == kMsg);
  CHECK(err_frame(R"({"type":"message.delete"})").message == "message_id is required");
  CHECK(err_frame(R"({"type":"message.delete","message_id":"42"})").message == "message_id must be a UUID");
}

TEST_CASE("read takes thread_id and a cursor (string or non-negative integer)", "[protocol][conversation]") {
  auto f = ok_frame(R"({"type":"read","thread_id":")" + kThread + R"(","cursor":"17"})");
  CHECK(f.type == FrameType::read);
  CHECK(f.thread_id == kThread);
  REQUIRE(f.cursor);
  CHECK(*f.cursor == 17);
  CHECK(*ok_frame(R"({"type":"read","thread_id":")" + kThread + R"(","cursor":0})").cursor == 0);
  CHECK(err_frame(R"({"type":"read","thread_id":")" + kThread + R"("})").message == "cursor is required");
  CHECK(err_frame(R"({"type":"read","thread_id":")" + kThread + R"(","cursor":"-1"})").code == ErrorCode::bad_request);
  CHECK(err_frame(R"({"type":"read","thread_id":")" + kThread + R"(","cursor":1.5})").code == ErrorCode::bad_request);
  CHECK(err_frame(R"({"type":"read","cursor":"1"})").message == "thread_id is required");
}

TEST_CASE("search takes query, thread_id?, limit? (1..50, default 20) and before?", "[protocol][conversation]") {
  auto f = ok_frame(R"({"type":"search","ref":"q","query":"coolant smell"})");
  CHECK(f.type == FrameType::search);
  CHECK(f.query == "coolant smell");
  CHECK(f.limit == 20);
  CHECK(f.thread_id.empty());
  CHECK(f.before_token.empty());
  auto g = ok_frame(R"({"type":"search","query":"bmw","thread_id":")" + kThread +
                    R"(","limit":5,"before":"0.1_)" + kMsg + R"("})");
  CHECK(g.thread_id == kThread);
  CHECK(g.limit == 5);
  CHECK(g.before_token == "0.1_" + kMsg);
  CHECK(err_frame(R"({"type":"search","query":"   "})").message == "query must not be empty");
  CHECK(err_frame(R"({"type":"search"})").message == "query is required");
  CHECK(err_frame(R"({"type":"search","query":"x","limit":51})").code == ErrorCode::bad_request);
  CHECK(err_frame(R"({"type":"search","query":"x","thread_id":"nope"})").code == ErrorCode::bad_request);
  CHECK(err_frame(R"({"type":"search","query":"x","before":""})").code == ErrorCode::bad_request);
  CHECK(err_frame(R"({"type":"search","query":")" + std::string(kMaxSearchQueryBytes + 1, 'a') + R"("})").code ==
        ErrorCode::too_large);
}

TEST_CASE("message.updated and message.deleted carry the change cursor and the message unchanged", "[protocol][conversation]") {
  simdjson::dom::parser p;
  std::string msg = R"({"id":")" + kMsg + R"(","content":"x","edited_at":"2026-01-01T00:00:00.000000Z"})";
  auto u = json(p, encode_message_change(false, "thread:" + kThread, 42, msg));
  CHECK(str(u, "/type") == "message.updated");
  CHECK(str(u, "/topic") == "thread:" + kThread);
  CHECK(str(u, "/cursor") == "42");
  CHECK(str(u, "/message/id") == kMsg);
  CHECK(u.at_pointer("/replay").error());
  auto d = json(p, encode_message_change(true, "ticket:" + kThread, 7, msg, true));
  CHECK(str(d, "/type") == "message.deleted");
  bool replay = false;
  REQUIRE_FALSE(d.at_pointer("/replay").get_bool().get(replay));
  CHECK(replay);
}

TEST_CASE("the ack of an edit names the change cursor and edited_at; of a delete, deleted_at", "[protocol][conversation]") {
  simdjson::dom::parser p;
  auto e = json(p, encode_change_ack("r1", false, kMsg, kThread, 9, "2026-01-01T00:00:00.000000Z", false));
  CHECK(str(e, "/type") == "ack");
  CHECK(str(e, "/ref") == "r1");
  CHECK(str(e, "/cursor") == "9");
  CHECK(str(e, "/edited_at") == "2026-01-01T00:00:00.000000Z");
  auto d = json(p, encode_change_ack("r2", true, kMsg, kThread, 10, "2026-01-01T00:00:01.000000Z", true));
  CHECK(str(d, "/deleted_at") == "2026-01-01T00:00:01.000000Z");
  bool dup = false;
  REQUIRE_FALSE(d.at_pointer("/duplicate").get_bool().get(dup));
  CHECK(dup);
}

TEST_CASE("read events: the reply has the ref and no topic, the fan-out has the topic", "[protocol][conversation]") {
  simdjson::dom::parser p;
  auto r = json(p, encode_read("x", "", kThread, kUser, 5));
  CHECK(str(r, "/ref") == "x");
  CHECK(str(r, "/topic") == "<absent>");
  CHECK(str(r, "/cursor") == "5");
  auto ev = json(p, encode_read("", "user:" + kUser, kThread, kUser, 6));
  CHECK(str(ev, "/ref") == "<absent>");
  CHECK(str(ev, "/topic") == "user:" + kUser);
  CHECK(str(ev, "/thread_id") == kThread);
  CHECK(str(ev, "/user_id") == kUser);
}

TEST_CASE("a ticket's subscribed lists each thread's unread count and last message", "[protocol][conversation]") {
  simdjson::dom::parser p;
  auto s = json(p, encode_subscribed_ticket("s", "ticket:" + kThread,
                                            {{kThread, 12, 3, 9, R"({"id":")" + kMsg + R"(","preview":"hi"})"},
                                             {kMsg, 0, 0, 0, "null"}}));
  CHECK(str(s, "/type") == "subscribed");
  CHECK(str(s, "/threads/0/thread_id") == kThread);
  int64_t unread = -1;
  REQUIRE_FALSE(s.at_pointer("/threads/0/unread").get_int64().get(unread));
  CHECK(unread == 3);
  CHECK(str(s, "/threads/0/last_read") == "9");
  CHECK(str(s, "/threads/0/last_message/preview") == "hi");
  CHECK(s.at_pointer("/threads/1/last_message").is_null());
}

TEST_CASE("presence.state lists a user with several sessions once, with their earliest since", "[protocol][presence]") {
  simdjson::dom::parser p;
  auto a1 = presence_meta_json(kUser, "customer", "2026-01-01T00:00:05.000000Z");
  auto a2 = presence_meta_json(kUser, "customer", "2026-01-01T00:00:01.000000Z");
  auto b = presence_meta_json(kMsg, "technician", "2026-01-01T00:00:03.000000Z");
  auto s = json(p, encode_presence_state("thread:" + kThread, {{a1, a2}, {b}}));
  CHECK(str(s, "/type") == "presence.state");
  simdjson::dom::array users;
  REQUIRE_FALSE(s["users"].get_array().get(users));
  CHECK(users.size() == 2);
  CHECK(str(s, "/users/0/user_id") == kUser);
  CHECK(str(s, "/users/0/since") == "2026-01-01T00:00:01.000000Z");
  CHECK(str(s, "/users/1/role") == "technician");
  auto j = json(p, encode_presence_change(true, "ticket:" + kThread, b));
  CHECK(str(j, "/type") == "presence.join");
  CHECK(str(j, "/user/user_id") == kMsg);
  CHECK(str(json(p, encode_presence_change(false, "ticket:" + kThread, b)), "/type") == "presence.leave");
}

TEST_CASE("search.results: hits in order with snippet and message; next_before null without more", "[protocol][conversation]") {
  simdjson::dom::parser p;
  std::vector<SearchResult> hits{{R"({"id":"a"})", kThread, 4, 0.5, "the <mark>coolant</mark>"},
                                 {R"({"id":"b"})", kThread, 2, 0.25, "<mark>smell</mark>"}};
  auto r = json(p, encode_search_results("q", "coolant \"smell\"", hits, true, "0.25_" + kMsg));
  CHECK(str(r, "/type") == "search.results");
  CHECK(str(r, "/query") == "coolant \"smell\"");
  CHECK(str(r, "/results/0/message/id") == "a");
  CHECK(str(r, "/results/0/snippet") == "the <mark>coolant</mark>");
  CHECK(str(r, "/results/1/cursor") == "2");
  CHECK(str(r, "/next_before") == "0.25_" + kMsg);
  auto none = json(p, encode_search_results("q", "x", {}, false, "ignored"));
  CHECK(none.at_pointer("/next_before").is_null());
}
