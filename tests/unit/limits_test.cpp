// Each field limit of docs/protocol.md ("Field limits") at its boundary: the last accepted value and the first
// refused one, counted the way the document says (characters = Unicode code points, or bytes).
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <variant>

#include "protocol/frames.hpp"

using namespace techpulse::protocol;

namespace {

const std::string kThread = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const std::string kE = "\xc3\xa9";             // é: 1 character, 2 bytes
const std::string kHan = "\xe6\xbc\xa2";       // 漢: 1 character, 3 bytes
const std::string kEmoji = "\xf0\x9f\x98\x80";  // 😀: 1 character, 4 bytes

std::string times(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

ClientFrame parse_ok(const std::string& text, const Limits& limits = {}) {
  INFO("frame: " << text.substr(0, 200));
  auto r = parse_client_frame(text, limits);
  if (const auto* e = std::get_if<ProtocolError>(&r)) {
    FAIL("expected the frame to parse, got " << to_string(e->code) << ": " << e->message);
  }
  return std::get<ClientFrame>(r);
}

ProtocolError parse_err(const std::string& text, const Limits& limits = {}) {
  INFO("frame: " << text.substr(0, 200));
  auto r = parse_client_frame(text, limits);
  if (std::holds_alternative<ClientFrame>(r)) {
    FAIL("expected an error, the frame parsed");
  }
  return std::get<ProtocolError>(r);
}

std::string send_with(const std::string& extra, const std::string& content = "hi") {
  return R"({"type":"send","ref":"s","thread_id":")" + kThread + R"(","content":")" + content + "\"" + extra + "}";
}

// `levels` nested arrays around `inner` as the value of field "x" of a ping: the frame object is level 1, the
// outermost array level 2, so `inner` sits at level levels + 2.
std::string ping_nested(size_t levels, const std::string& inner) {
  return R"({"type":"ping","ref":"d","x":)" + std::string(levels, '[') + inner + std::string(levels, ']') + "}";
}

}  // namespace

TEST_CASE("utf8_length counts code points, not bytes") {
  CHECK(utf8_length("") == 0);
  CHECK(utf8_length("abc") == 3);
  CHECK(utf8_length(kE + kHan + kEmoji) == 3);
  CHECK(utf8_length(times(kEmoji, 64)) == 64);
}

TEST_CASE("ref: 64 characters are accepted whatever their UTF-8 length, 65 are refused") {
  for (const auto& ch : {std::string("r"), kE, kHan, kEmoji}) {
    INFO("character of " << ch.size() << " bytes");
    auto at = times(ch, kMaxRefChars);
    auto f = parse_ok(R"({"type":"ping","ref":")" + at + "\"}");
    CHECK(f.ref == at);
    // An error still answers a 64-character ref.
    auto e = parse_err(R"({"type":"nope","ref":")" + at + "\"}");
    CHECK(e.code == ErrorCode::unknown_type);
    CHECK(e.ref == at);

    auto over = parse_err(R"({"type":"ping","ref":")" + times(ch, kMaxRefChars + 1) + "\"}");
    CHECK(over.code == ErrorCode::bad_request);
    CHECK(over.message == "ref must be at most 64 characters");
    CHECK(over.ref.empty());
  }
}

TEST_CASE("ref: JSON escapes count as the one character they stand for") {
  std::string escaped;
  for (size_t i = 0; i < kMaxRefChars; ++i) escaped += "\\u00e9";
  CHECK(parse_ok(R"({"type":"ping","ref":")" + escaped + "\"}").ref == times(kE, kMaxRefChars));
  CHECK(parse_err(R"({"type":"ping","ref":")" + escaped + "x\"}").code == ErrorCode::bad_request);
}

TEST_CASE("content: max_content_bytes UTF-8 bytes are accepted, one byte more is too_large, empty is bad_request") {
  Limits limits;
  REQUIRE(limits.max_content_bytes == 61440);
  // 20480 three-byte characters are exactly 61440 bytes.
  auto at = times(kHan, limits.max_content_bytes / 3);
  CHECK(parse_ok(send_with("", at)).content == at);
  auto e = parse_err(send_with("", at + "a"));
  CHECK(e.code == ErrorCode::too_large);
  CHECK(e.message == "content is longer than 61440 bytes");
  CHECK(e.ref == "s");
  CHECK(parse_err(send_with("", "")).code == ErrorCode::bad_request);
  CHECK(parse_ok(send_with("", "a")).content == "a");
}

TEST_CASE("content: bytes are counted after JSON unescaping") {
  Limits limits;
  limits.max_content_bytes = 10;
  // Five escaped é (30 bytes in the frame) are 10 bytes of content.
  CHECK(parse_ok(send_with("", times("\\u00e9", 5)), limits).content == times(kE, 5));
  CHECK(parse_err(send_with("", times("\\u00e9", 5) + "x"), limits).code == ErrorCode::too_large);
  // Ten escaped quotes are 10 bytes.
  CHECK(parse_ok(send_with("", times("\\\"", 10)), limits).content == std::string(10, '"'));
}

TEST_CASE("title: max_title_chars characters are accepted whatever their UTF-8 length, one more is too_large") {
  Limits limits;
  REQUIRE(limits.max_title_chars == 200);
  for (const auto& ch : {std::string("t"), kE, kHan, kEmoji}) {
    INFO("character of " << ch.size() << " bytes");
    auto at = times(ch, limits.max_title_chars);
    auto f = parse_ok(R"({"type":"thread.create","title":")" + at + "\"}");
    REQUIRE(f.title);
    CHECK(*f.title == at);
    auto u = parse_ok(R"({"type":"thread.update","thread_id":")" + kThread + R"(","title":")" + at + "\"}");
    CHECK(*u.title == at);

    auto e = parse_err(R"({"type":"thread.create","ref":"t","title":")" + at + ch + "\"}");
    CHECK(e.code == ErrorCode::too_large);
    CHECK(e.message == "title is longer than 200 characters");
    CHECK(parse_err(R"({"type":"thread.update","thread_id":")" + kThread + R"(","title":")" + at + ch + "\"}").code ==
          ErrorCode::too_large);
  }
  CHECK(parse_ok(R"({"type":"thread.create","title":""})").title == std::string());
}

TEST_CASE("metadata: its compact JSON may be max_metadata_bytes, one byte more is too_large; whitespace is free") {
  Limits limits;
  REQUIRE(limits.max_metadata_bytes == 8192);
  // {"k":"..."} is 8 bytes of JSON around the string.
  std::string at = R"({"k":")" + std::string(limits.max_metadata_bytes - 8, 'x') + R"("})";
  REQUIRE(at.size() == 8192);
  CHECK(parse_ok(send_with(",\"metadata\":" + at)).metadata == at);
  std::string spaced = R"({ "k" :  ")" + std::string(limits.max_metadata_bytes - 8, 'x') + "\"\n}";
  CHECK(parse_ok(send_with(",\"metadata\":" + spaced)).metadata == at);

  std::string over = R"({"k":")" + std::string(limits.max_metadata_bytes - 7, 'x') + R"("})";
  auto e = parse_err(send_with(",\"metadata\":" + over));
  CHECK(e.code == ErrorCode::too_large);
  CHECK(e.message == "metadata is larger than 8192 bytes");
}

TEST_CASE("metadata: non-ASCII text counts its UTF-8 bytes, sent raw or escaped") {
  Limits limits;
  limits.max_metadata_bytes = 12;
  // {"k":"éé"} is 8 + 4 bytes.
  CHECK(parse_ok(send_with(R"(,"metadata":{"k":")" + kE + kE + "\"}"), limits).metadata == "{\"k\":\"" + kE + kE + "\"}");
  CHECK(parse_ok(send_with(R"(,"metadata":{"k":"\u00e9\u00e9"})"), limits).metadata == "{\"k\":\"" + kE + kE + "\"}");
  CHECK(parse_err(send_with(R"(,"metadata":{"k":"\u00e9\u00e9x"})"), limits).code == ErrorCode::too_large);
}

TEST_CASE("client_msg_id: 1 to 128 characters whatever their UTF-8 length; empty, 129 or a NUL is bad_request") {
  Limits limits;
  REQUIRE(limits.max_client_msg_id_chars == 128);
  for (const auto& ch : {std::string("c"), kE, kEmoji}) {
    INFO("character of " << ch.size() << " bytes");
    auto at = times(ch, 128);
    CHECK(parse_ok(send_with(",\"client_msg_id\":\"" + at + "\"")).client_msg_id == at);
    auto e = parse_err(send_with(",\"client_msg_id\":\"" + at + ch + "\""));
    CHECK(e.code == ErrorCode::bad_request);
    CHECK(e.message == "client_msg_id must be 1 to 128 characters");
  }
  CHECK(parse_ok(send_with(R"(,"client_msg_id":"c")")).client_msg_id == "c");
  CHECK(parse_err(send_with(R"(,"client_msg_id":"")")).code == ErrorCode::bad_request);
  auto nul = parse_err(send_with(R"(,"client_msg_id":"a\u0000b")"));
  CHECK(nul.code == ErrorCode::bad_request);
  CHECK(nul.message == "client_msg_id must not contain NUL characters");
}

TEST_CASE("access_token: 8192 bytes reach the verifier, 8193 are too_large") {
  Limits limits;
  REQUIRE(limits.max_access_token_bytes == 8192);
  auto at = std::string(8192, 'x');
  CHECK(parse_ok(R"({"type":"auth","access_token":")" + at + "\"}").access_token == at);
  CHECK(parse_err(R"({"type":"auth","access_token":")" + at + "x\"}").code == ErrorCode::too_large);
}

TEST_CASE("limit: 1 and 200 are accepted, 0 and 201 are bad_request, for history and threads.list") {
  for (std::string head : {R"({"type":"history","thread_id":")" + kThread + "\",", std::string(R"({"type":"threads.list",)")}) {
    INFO(head);
    CHECK(parse_ok(head + R"("limit":1})").limit == 1);
    CHECK(parse_ok(head + R"("limit":200})").limit == 200);
    CHECK(parse_err(head + R"("limit":0})").message == "limit must be an integer from 1 to 200");
    CHECK(parse_err(head + R"("limit":201})").code == ErrorCode::bad_request);
  }
}

TEST_CASE("nesting: a value at level 32 is accepted, at level 33 it is bad_request (the frame object is level 1)") {
  REQUIRE(kMaxDepth == 32);
  // A number at level 32 inside 30 arrays; an empty array at level 32.
  CHECK(parse_ok(ping_nested(30, "1")).ref == "d");
  CHECK(parse_ok(ping_nested(31, "")).ref == "d");
  auto e = parse_err(ping_nested(31, "1"));
  CHECK(e.code == ErrorCode::bad_request);
  CHECK(e.message == "frame is nested too deeply");
  CHECK(parse_err(ping_nested(32, "")).code == ErrorCode::bad_request);
  // Objects count the same as arrays: metadata is level 2, so 29 objects inside its field put the number at level 32.
  std::string md;
  for (int i = 0; i < 29; ++i) md += R"({"a":)";
  md += "1";
  for (int i = 0; i < 29; ++i) md += "}";
  CHECK(parse_ok(send_with(",\"metadata\":{\"a\":" + md + "}")).type == FrameType::send);
  CHECK(parse_err(send_with(",\"metadata\":{\"a\":{\"a\":" + md + "}}")).message == "frame is nested too deeply");
}
