// Unit tests of the WebSocket frame codec (gateway/transport/ws_codec.hpp): client frames built here byte by byte,
// masked as a client must, decoded; the server's frames and the handshake checked against RFC 6455's own examples.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "gateway/transport/ws_codec.hpp"

using namespace techpulse::gateway;
using Kind = ws::Event::Kind;

namespace {

// A client frame: FIN/opcode byte, masked with `mask`, the shortest length form unless `len_form` forces one.
std::string client_frame(uint8_t first, std::string_view payload, bool masked = true, int len_form = 0,
                         std::string_view mask = "\x37\xfa\x21\x3d") {
  std::string f;
  f.push_back(static_cast<char>(first));
  const uint8_t m = masked ? 0x80 : 0;
  const std::size_t n = payload.size();
  if ((n < 126 && len_form == 0) || len_form == 7) {
    f.push_back(static_cast<char>(m | n));
  } else if ((n < 65536 && len_form == 0) || len_form == 16) {
    f.push_back(static_cast<char>(m | 126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xff));
  } else {
    f.push_back(static_cast<char>(m | 127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xff));
  }
  if (masked) f.append(mask);
  for (std::size_t i = 0; i < n; ++i) f.push_back(static_cast<char>(payload[i] ^ (masked ? mask[i & 3] : 0)));
  return f;
}

struct Decoded {
  Kind kind;
  bool text;
  std::string payload;
  uint16_t code;
};

// Feeds `in` through the decoder the way WsSession does, one byte at a time when `trickle`; stops at an error.
std::vector<Decoded> decode_all(std::string_view in, std::size_t max = 1 << 16, bool trickle = false) {
  ws::Decoder d(max);
  std::vector<Decoded> out;
  std::string buf;
  std::size_t fed = 0;
  while (true) {
    if (trickle) {
      if (fed < in.size()) buf.push_back(in[fed++]);
    } else if (fed == 0) {
      buf.assign(in);
      fed = in.size();
    }
    std::size_t used = 0;
    auto e = d.next(std::span<char>(buf.data(), buf.size()), used);
    if (e.kind != Kind::none) out.push_back({e.kind, e.text, std::string(e.payload), e.code});  // before the erase
    buf.erase(0, used);
    if (e.kind != Kind::none) {
      if (e.kind == Kind::error) return out;
      continue;
    }
    if (used == 0 && fed == in.size()) return out;
  }
}

}  // namespace

TEST_CASE("ws codec: RFC 6455's own examples", "[ws]") {
  // 5.7: a masked "Hello" from a client.
  auto r = decode_all(std::string("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11));
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == Kind::message);
  CHECK(r[0].text);
  CHECK(r[0].payload == "Hello");
  // 5.7: the server's unmasked "Hello".
  CHECK(ws::encode_frame(0x1, "Hello") == std::string("\x81\x05\x48\x65\x6c\x6c\x6f", 7));
  // 1.3: the accept value of the sample key.
  CHECK(ws::accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  auto res = ws::handshake_response("dGhlIHNhbXBsZSBub25jZQ==", "techpulse.v1");
  CHECK(res.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0) == 0);
  CHECK(res.find("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != std::string::npos);
  CHECK(res.find("\r\nSec-WebSocket-Protocol: techpulse.v1\r\n") != std::string::npos);
  CHECK(res.size() >= 4);
  CHECK(res.substr(res.size() - 4) == "\r\n\r\n");
  CHECK(ws::handshake_response("dGhlIHNhbXBsZSBub25jZQ==", "").find("Sec-WebSocket-Protocol") == std::string::npos);
}

TEST_CASE("ws codec: every length form, whole and a byte at a time", "[ws]") {
  for (std::size_t n : {0u, 1u, 125u, 126u, 127u, 65535u, 65536u, 70000u}) {
    INFO("payload " << n);
    std::string payload(n, 'x');
    for (std::size_t i = 0; i < n; ++i) payload[i] = static_cast<char>('a' + i % 26);
    const auto frame = client_frame(0x82, payload);
    for (bool trickle : {false, true}) {
      if (trickle && n > 1000) continue;
      auto r = decode_all(frame + client_frame(0x89, "p"), 1 << 20, trickle);
      REQUIRE(r.size() == 2);
      CHECK(r[0].kind == Kind::message);
      CHECK_FALSE(r[0].text);
      CHECK(r[0].payload == payload);
      CHECK(r[1].kind == Kind::ping);
      CHECK(r[1].payload == "p");
    }
    // The server's frames use the same forms.
    auto out = ws::encode_frame(0x2, payload);
    CHECK(out.size() == n + (n < 126 ? 2 : n < 65536 ? 4 : 10));
  }
}

TEST_CASE("ws codec: fragments are joined, control frames may come between them", "[ws]") {
  std::string in = client_frame(0x01, "Hel") + client_frame(0x89, "mid") + client_frame(0x00, "lo, ") +
                   client_frame(0x80, "world");
  for (bool trickle : {false, true}) {
    auto r = decode_all(in, 1 << 16, trickle);
    REQUIRE(r.size() == 2);
    CHECK(r[0].kind == Kind::ping);
    CHECK(r[0].payload == "mid");
    CHECK(r[1].kind == Kind::message);
    CHECK(r[1].text);
    CHECK(r[1].payload == "Hello, world");
  }
  // A multi-byte character split over two fragments is valid once whole.
  auto r = decode_all(client_frame(0x01, "\xc3") + client_frame(0x80, "\xa9"));
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == Kind::message);
  CHECK(r[0].payload == "\xc3\xa9");
}

TEST_CASE("ws codec: the size limit is the message's, checked at the header", "[ws]") {
  // Exactly the limit passes; one byte more is refused before its payload has arrived.
  auto ok = decode_all(client_frame(0x81, std::string(100, 'a')), 100);
  REQUIRE(ok.size() == 1);
  CHECK(ok[0].kind == Kind::message);
  auto big = client_frame(0x81, std::string(101, 'a'));
  auto r = decode_all(std::string_view(big).substr(0, 8), 100);
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == Kind::error);
  CHECK(r[0].code == ws::close_code::too_big);
  // Fragments count together.
  r = decode_all(client_frame(0x01, std::string(60, 'a')) + client_frame(0x80, std::string(41, 'a')), 100);
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == Kind::error);
  CHECK(r[0].code == ws::close_code::too_big);
  // A 64-bit length with the top bit set is no length at all.
  std::string huge("\x82\xff\x80\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04", 14);
  r = decode_all(huge, 100);
  REQUIRE(r.size() == 1);
  CHECK(r[0].code == ws::close_code::protocol_error);
  CHECK(ws::Decoder::frame_size(std::string_view("\x81", 1)) == 0);
  CHECK(ws::Decoder::frame_size(client_frame(0x81, "abc")) == 2 + 4 + 3);
}

TEST_CASE("ws codec: protocol errors have their close codes", "[ws]") {
  struct Case {
    const char* what;
    std::string in;
    uint16_t code;
  };
  std::vector<Case> cases = {
      {"unmasked", client_frame(0x81, "hi", false), ws::close_code::protocol_error},
      {"reserved bit", client_frame(0xC1, "hi"), ws::close_code::protocol_error},
      {"unknown opcode 3", client_frame(0x83, "hi"), ws::close_code::protocol_error},
      {"unknown opcode 0xB", client_frame(0x8B, "hi"), ws::close_code::protocol_error},
      {"fragmented ping", client_frame(0x09, "hi"), ws::close_code::protocol_error},
      {"ping over 125", client_frame(0x89, std::string(126, 'p')), ws::close_code::protocol_error},
      {"continuation of nothing", client_frame(0x80, "hi"), ws::close_code::protocol_error},
      {"new message inside a fragmented one", client_frame(0x01, "a") + client_frame(0x81, "b"),
       ws::close_code::protocol_error},
      {"16-bit length for 5 bytes", client_frame(0x81, "hello", true, 16), ws::close_code::protocol_error},
      {"64-bit length for 200 bytes", client_frame(0x81, std::string(200, 'a'), true, 64), ws::close_code::protocol_error},
      {"invalid UTF-8", client_frame(0x81, "\xff\xfe"), ws::close_code::bad_payload},
      {"overlong UTF-8", client_frame(0x81, "\xc0\xaf"), ws::close_code::bad_payload},
      {"a surrogate", client_frame(0x81, "\xed\xa0\x80"), ws::close_code::bad_payload},
      {"truncated UTF-8", client_frame(0x81, "ab\xe2\x82"), ws::close_code::bad_payload},
      {"close of one byte", client_frame(0x88, "\x03"), ws::close_code::protocol_error},
      {"close code 1005", client_frame(0x88, "\x03\xed"), ws::close_code::protocol_error},
      {"close code 999", client_frame(0x88, "\x03\xe7"), ws::close_code::protocol_error},
      {"close reason not UTF-8", client_frame(0x88, "\x03\xe8\xff"), ws::close_code::bad_payload},
  };
  for (auto& c : cases) {
    INFO(c.what);
    auto r = decode_all(c.in);
    REQUIRE_FALSE(r.empty());
    CHECK(r.back().kind == Kind::error);
    CHECK(r.back().code == c.code);
  }
}

TEST_CASE("ws codec: close frames", "[ws]") {
  auto r = decode_all(client_frame(0x88, std::string("\x03\xe8", 2) + "bye"));
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == Kind::close);
  CHECK(r[0].code == 1000);
  CHECK(r[0].payload == "bye");
  r = decode_all(client_frame(0x88, ""));
  REQUIRE(r.size() == 1);
  CHECK(r[0].code == ws::close_code::no_status);
  r = decode_all(client_frame(0x88, "\x0f\xa0"));  // 4000: an application's code
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == Kind::close);
  CHECK(r[0].code == 4000);
  CHECK(ws::encode_close(1009, "message too big") == std::string("\x88\x11\x03\xf1", 4) + "message too big");
  // The reason is cut to fit a control frame, never inside a character.
  auto long_reason = std::string(122, 'a') + "\xc3\xa9";  // 124 bytes, the last character straddles 123
  auto closed = ws::encode_close(1000, long_reason);
  CHECK(closed.size() == 2 + 2 + 122);
  CHECK(static_cast<uint8_t>(closed[1]) == 124);
}

TEST_CASE("ws codec: UTF-8 validation", "[ws]") {
  CHECK(ws::valid_utf8(""));
  CHECK(ws::valid_utf8("plain ASCII, longer than eight bytes"));
  CHECK(ws::valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x97"));  // é € 🚗
  CHECK(ws::valid_utf8("\xf4\x8f\xbf\xbf"));                         // U+10FFFF
  CHECK_FALSE(ws::valid_utf8("\xf4\x90\x80\x80"));                   // above U+10FFFF
  CHECK_FALSE(ws::valid_utf8("\xe0\x80\xaf"));                       // overlong
  CHECK_FALSE(ws::valid_utf8("\xf0\x80\x80\xaf"));                   // overlong
  CHECK_FALSE(ws::valid_utf8("\x80"));
  CHECK_FALSE(ws::valid_utf8("abcdefgh\xc3"));
}

TEST_CASE("ws codec: a shared text frame is the payload behind its header", "[ws]") {
  for (std::size_t n : {0u, 5u, 125u, 126u, 532u, 65535u, 65536u}) {
    auto payload = std::make_shared<const std::string>(std::string(n, 'x'));
    auto framed = ws::text_frame(payload);
    CHECK(*framed == ws::encode_frame(0x1, *payload));
    const std::size_t header = n < 126 ? 2 : n < 65536 ? 4 : 10;
    REQUIRE(framed->size() == header + n);
    CHECK(static_cast<uint8_t>((*framed)[0]) == 0x81);
    CHECK(framed->compare(header, n, *payload) == 0);
  }
}
