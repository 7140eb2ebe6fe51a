#pragma once
// transport: the WebSocket wire format (RFC 6455), server side, with no I/O: the decoder of client frames, the
// encoders of the server's control frames, the handshake's accept key and UTF-8 validation. Pure functions and one
// small state machine, so that it is unit-tested and fuzzed (tests/fuzz/ws_fuzz.cpp); WsSession drives it.
// No extension is negotiated (no permessage-deflate), so every reserved bit must be 0.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace techpulse::gateway::ws {

// The close codes the gateway sends (RFC 6455 7.4.1).
namespace close_code {
constexpr uint16_t normal = 1000;
constexpr uint16_t going_away = 1001;
constexpr uint16_t protocol_error = 1002;
constexpr uint16_t unknown_data = 1003;
constexpr uint16_t no_status = 1005;  // a close frame without a code (never sent)
constexpr uint16_t bad_payload = 1007;
constexpr uint16_t policy_error = 1008;
constexpr uint16_t too_big = 1009;
constexpr uint16_t internal_error = 1011;
}  // namespace close_code

// The log text of a message over the limit (the same words Beast used, which the logs and tests know).
constexpr std::string_view kTooBigText = "The WebSocket message exceeded the locally configured limit";

struct Event {
  enum class Kind {
    none,     // the front of the input is not a whole frame yet (or a fragment was absorbed): read more
    message,  // a whole text or binary message
    ping,
    pong,
    close,  // the peer's close frame: `code` (no_status when it had none) and `payload` (the reason)
    error,  // the input breaks the protocol: close with `code`, `why` says what for the log
  };
  Kind kind = Kind::none;
  bool text = false;         // message: a text message (valid UTF-8) or binary
  // message, ping, pong, close: unmasked. A view into the caller's input (unmasked there, in place), or, for a
  // message that came in fragments, into the decoder: valid until the input changes or next() is called again.
  std::string_view payload;
  uint16_t code = 0;
  std::string_view why;  // error: a literal (static storage), safe to keep
};

// Decodes client frames: masked, at most `max_message` bytes of payload per message (over it: error too_big, as
// soon as a frame header says so), control frames of at most 125 bytes and never fragmented, continuations only
// inside a fragmented message, text validated as UTF-8 once whole (error bad_payload). After an error it must not
// be used again.
class Decoder {
 public:
  explicit Decoder(std::size_t max_message) : max_(max_message) {}

  // The next event from the front of `in`; `used` is how many bytes of `in` it consumed (the caller drops them and
  // calls again with the rest). kind none with used 0: `in` holds no whole frame; keep it and read more. A whole
  // frame's payload is unmasked in place, in `in`.
  Event next(std::span<char> in, std::size_t& used);

  // Bytes the caller must be able to hold for the frame at the front of `in` to be whole (header and payload), or 0
  // when its header is not complete yet. Bounded by max_message + 14 for a frame next() accepts.
  static std::size_t frame_size(std::string_view in);

  // A fragmented message is in progress.
  bool in_message() const { return in_message_; }
  // Frees the storage of the last message or control frame (the connection is idle).
  void release();

 private:
  std::size_t max_;
  std::string message_;  // the fragments of the message in progress, unmasked
  bool in_message_ = false;
  bool message_text_ = false;
  bool delivered_ = false;  // message_ holds a message already returned: cleared on the next call
};

// The header of a whole server frame (FIN, never masked) of `opcode` with `payload_size` bytes: 2, 4 or 10 bytes
// written to `out` (at least kMaxHeader long); returns how many.
constexpr std::size_t kMaxHeader = 10;
std::size_t write_header(uint8_t* out, uint8_t opcode, std::size_t payload_size);

// A whole server frame (FIN, never masked) with `opcode` and `payload`: for control frames (ping 0x9, pong 0xA)
// the payload must be at most 125 bytes.
std::string encode_frame(uint8_t opcode, std::string_view payload);
// A whole text frame (FIN, unmasked) of `payload`, shared: what a fan-out queues on every recipient's socket.
std::shared_ptr<const std::string> text_frame(const std::shared_ptr<const std::string>& payload);
// A close frame: the code and the reason, cut to the 123 bytes a control frame leaves for it (at a UTF-8 boundary).
std::string encode_close(uint16_t code, std::string_view reason);

// Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 4.2.2: base64 of the SHA-1 of key + the GUID).
std::string accept_key(std::string_view key);

// The HTTP/1.1 101 response to a valid upgrade request, with `protocol` in Sec-WebSocket-Protocol when not empty.
std::string handshake_response(std::string_view key, std::string_view protocol);

// Whether `s` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view s);

}  // namespace techpulse::gateway::ws
