// libFuzzer target: the WebSocket frame decoder (gateway/transport/ws_codec.cpp), the bytes a client sends. The
// first two input bytes pick a split size and the message limit; the rest is the byte stream. It is decoded twice,
// whole and in pieces of the split size (as reads would deliver it), the way WsSession drives the decoder, and:
//   - both give the same events, in the same order, ending at the same error if any;
//   - `used` never exceeds what was offered, and a decoder that asks for more bytes consumed none;
//   - a message is at most the limit, a text message is valid UTF-8, a control payload is at most 125 bytes;
//   - frame_size() of the front of the stream never says less than what next() consumed from it.
// The server's own encoders are checked on the way: a decoded message re-encoded by encode_frame and masked as a
// client would decodes to itself.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "gateway/transport/ws_codec.hpp"

using namespace techpulse::gateway;
using Kind = ws::Event::Kind;

namespace {

struct Seen {
  Kind kind;
  bool text;
  std::string payload;
  uint16_t code;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> run(std::string_view stream, std::size_t piece, std::size_t max) {
  ws::Decoder d(max);
  std::vector<Seen> out;
  std::string buf;
  std::size_t fed = 0;
  for (int guard = 0; guard < 1'000'000; ++guard) {
    std::size_t used = 0;
    const std::size_t before = buf.size();
    const std::size_t need = ws::Decoder::frame_size(buf);
    auto e = d.next(std::span<char>(buf.data(), buf.size()), used);
    FUZZ_CHECK(used <= before);
    if (e.kind == Kind::none && used == 0) {
      if (fed == stream.size()) return out;
      auto n = std::min(piece, stream.size() - fed);
      buf.append(stream.substr(fed, n));
      fed += n;
      continue;
    }
    if (e.kind != Kind::error) FUZZ_CHECK(need >= used && need > 0);
    if (e.kind == Kind::none) {
      buf.erase(0, used);
      continue;
    }
    if (e.kind == Kind::message) {
      FUZZ_CHECK(e.payload.size() <= max);
      if (e.text) FUZZ_CHECK(ws::valid_utf8(e.payload));
    }
    if (e.kind == Kind::ping || e.kind == Kind::pong) FUZZ_CHECK(e.payload.size() <= 125);
    out.push_back({e.kind, e.text, std::string(e.payload), e.code});  // the payload may be a view into buf
    buf.erase(0, used);
    if (e.kind == Kind::error) return out;
  }
  FUZZ_CHECK(false);  // the loop always ends: every turn consumes or reads
  return out;
}

// A server frame made into a client frame: the mask bit set, a mask key, the payload masked.
std::string as_client(const std::string& server_frame, std::size_t header) {
  std::string f = server_frame.substr(0, header);
  f[1] = static_cast<char>(f[1] | 0x80);
  const char mask[4] = {'\x11', '\x22', '\x33', '\x44'};
  f.append(mask, 4);
  for (std::size_t i = header; i < server_frame.size(); ++i) f.push_back(static_cast<char>(server_frame[i] ^ mask[(i - header) & 3]));
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::size_t piece = 1 + data[0] % 64;
  const std::size_t max = 16u + 64u * data[1];  // 16 .. 16336 bytes
  std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);
  auto whole = run(stream, stream.size() + 1, max);
  auto pieces = run(stream, piece, max);
  FUZZ_CHECK(whole == pieces);
  for (const auto& s : whole) {
    if (s.kind != Kind::message) continue;
    auto frame = ws::encode_frame(s.text ? 0x1 : 0x2, s.payload);
    const std::size_t header = s.payload.size() < 126 ? 2 : s.payload.size() < 65536 ? 4 : 10;
    auto again = run(as_client(frame, header), 7, max);
    FUZZ_CHECK(again.size() == 1 && again[0] == s);
  }
  return 0;
}
