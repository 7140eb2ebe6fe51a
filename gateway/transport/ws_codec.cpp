#include "gateway/transport/ws_codec.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstring>

namespace techpulse::gateway::ws {

namespace {

constexpr uint8_t kContinuation = 0x0, kText = 0x1, kBinary = 0x2, kClose = 0x8, kPing = 0x9, kPong = 0xA;

struct Header {
  bool fin = false;
  uint8_t rsv = 0;
  uint8_t opcode = 0;
  bool masked = false;
  uint8_t len7 = 0;
  uint64_t length = 0;
  std::size_t size = 0;  // bytes of the header, mask key included
  std::array<uint8_t, 4> mask{};
};

// Parses the header at the front of `in`; false when it is not complete yet.
bool parse_header(std::string_view in, Header& h) {
  if (in.size() < 2) return false;
  const auto b0 = static_cast<uint8_t>(in[0]), b1 = static_cast<uint8_t>(in[1]);
  h.fin = (b0 & 0x80) != 0;
  h.rsv = b0 & 0x70;
  h.opcode = b0 & 0x0f;
  h.masked = (b1 & 0x80) != 0;
  h.len7 = b1 & 0x7f;
  std::size_t pos = 2;
  if (h.len7 == 126) {
    if (in.size() < 4) return false;
    h.length = (uint64_t{static_cast<uint8_t>(in[2])} << 8) | static_cast<uint8_t>(in[3]);
    pos = 4;
  } else if (h.len7 == 127) {
    if (in.size() < 10) return false;
    h.length = 0;
    for (int i = 0; i < 8; ++i) h.length = (h.length << 8) | static_cast<uint8_t>(in[2 + i]);
    pos = 10;
  } else {
    h.length = h.len7;
  }
  if (h.masked) {
    if (in.size() < pos + 4) return false;
    std::memcpy(h.mask.data(), in.data() + pos, 4);
    pos += 4;
  }
  h.size = pos;
  return true;
}

void unmask(char* data, std::size_t n, const std::array<uint8_t, 4>& mask) {
  auto* p = reinterpret_cast<unsigned char*>(data);
  std::size_t i = 0;
  // Eight bytes at a time: the key repeated twice.
  uint64_t key8;
  uint8_t key_bytes[8] = {mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3]};
  std::memcpy(&key8, key_bytes, 8);
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    w ^= key8;
    std::memcpy(p + i, &w, 8);
  }
  for (; i < n; ++i) p[i] ^= mask[i & 3];
}

bool valid_received_close_code(uint16_t c) {
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

Event error(uint16_t code, std::string_view why) {
  Event e;
  e.kind = Event::Kind::error;
  e.code = code;
  e.why = why;
  return e;
}

}  // namespace

std::size_t Decoder::frame_size(std::string_view in) {
  Header h;
  if (!parse_header(in, h)) return 0;
  return h.size + h.length;  // an over-long length is refused by next() before anyone waits for it
}

void Decoder::release() {
  if (in_message_) return;
  std::string().swap(message_);
  delivered_ = false;
}

Event Decoder::next(std::span<char> buffer, std::size_t& used) {
  used = 0;
  const std::string_view in(buffer.data(), buffer.size());
  if (delivered_) {
    message_.clear();
    delivered_ = false;
  }
  Header h;
  if (!parse_header(in, h)) return {};
  // Everything the header alone can refuse, before waiting for a payload that may never be wanted.
  if (h.rsv != 0) return error(close_code::protocol_error, "a reserved bit is set (no extension was negotiated)");
  const bool control = (h.opcode & 0x8) != 0;
  if (h.opcode != kContinuation && h.opcode != kText && h.opcode != kBinary && h.opcode != kClose &&
      h.opcode != kPing && h.opcode != kPong) {
    return error(close_code::protocol_error, "an unknown opcode");
  }
  if (!h.masked) return error(close_code::protocol_error, "a client frame must be masked");
  if ((h.len7 == 126 && h.length < 126) || (h.len7 == 127 && (h.length < 65536 || (h.length >> 63) != 0))) {
    return error(close_code::protocol_error, "a payload length not in its shortest form");
  }
  if (control) {
    if (!h.fin) return error(close_code::protocol_error, "a fragmented control frame");
    if (h.length > 125) return error(close_code::protocol_error, "a control frame over 125 bytes");
  } else {
    if (h.opcode == kContinuation && !in_message_) return error(close_code::protocol_error, "a continuation of no message");
    if (h.opcode != kContinuation && in_message_) {
      return error(close_code::protocol_error, "a new message inside a fragmented one");
    }
    const uint64_t before = in_message_ ? message_.size() : 0;
    if (h.length > max_ || before + h.length > max_) return error(close_code::too_big, kTooBigText);
  }
  if (in.size() - h.size < h.length) return {};  // the payload is not all here yet
  char* const payload_at = buffer.data() + h.size;
  const auto payload_size = static_cast<std::size_t>(h.length);
  unmask(payload_at, payload_size, h.mask);
  const std::string_view payload(payload_at, payload_size);
  used = h.size + payload_size;

  if (control) {
    Event e;
    e.payload = payload;
    if (h.opcode == kPing) {
      e.kind = Event::Kind::ping;
    } else if (h.opcode == kPong) {
      e.kind = Event::Kind::pong;
    } else {
      if (payload.size() == 1) return error(close_code::protocol_error, "a close frame of one byte");
      e.kind = Event::Kind::close;
      e.code = close_code::no_status;
      if (payload.size() >= 2) {
        e.code = static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) | static_cast<uint8_t>(payload[1]));
        if (!valid_received_close_code(e.code)) return error(close_code::protocol_error, "an invalid close code");
        e.payload = payload.substr(2);
        if (!valid_utf8(e.payload)) return error(close_code::bad_payload, "a close reason that is not UTF-8");
      }
    }
    return e;
  }

  if (h.opcode != kContinuation) message_text_ = h.opcode == kText;
  if (!h.fin || in_message_) {
    // A fragment: kept until the message is whole.
    if (!in_message_) message_.clear();
    message_.append(payload);
    if (!h.fin) {
      in_message_ = true;
      return {};  // a fragment absorbed: used > 0
    }
  }
  Event e;
  e.kind = Event::Kind::message;
  e.text = message_text_;
  e.payload = in_message_ ? std::string_view(message_) : payload;  // unfragmented: no copy
  if (in_message_) delivered_ = true;
  in_message_ = false;
  if (e.text && !valid_utf8(e.payload)) return error(close_code::bad_payload, "a text message that is not UTF-8");
  return e;
}

std::size_t write_header(uint8_t* out, uint8_t opcode, std::size_t n) {
  out[0] = static_cast<uint8_t>(0x80 | (opcode & 0x0f));
  if (n < 126) {
    out[1] = static_cast<uint8_t>(n);
    return 2;
  }
  if (n < 65536) {
    out[1] = 126;
    out[2] = static_cast<uint8_t>(n >> 8);
    out[3] = static_cast<uint8_t>(n & 0xff);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<uint8_t>((static_cast<uint64_t>(n) >> (8 * (7 - i))) & 0xff);
  return 10;
}

std::string encode_frame(uint8_t opcode, std::string_view payload) {
  uint8_t header[kMaxHeader];
  const std::size_t h = write_header(header, opcode, payload.size());
  std::string out;
  out.reserve(h + payload.size());
  out.append(reinterpret_cast<const char*>(header), h);
  out.append(payload);
  return out;
}

std::shared_ptr<const std::string> text_frame(const std::shared_ptr<const std::string>& payload) {
  return std::make_shared<const std::string>(encode_frame(0x1, *payload));
}

std::string encode_close(uint16_t code, std::string_view reason) {
  if (reason.size() > 123) {
    std::size_t cut = 123;
    // Never cut inside a UTF-8 sequence: step back over continuation bytes.
    while (cut > 0 && (static_cast<uint8_t>(reason[cut]) & 0xC0) == 0x80) --cut;
    reason = reason.substr(0, cut);
  }
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xff));
  payload.append(reason);
  return encode_frame(kClose, payload);
}

std::string accept_key(std::string_view key) {
  static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input(key);
  input.append(kGuid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha1(), nullptr);
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (unsigned int i = 0; i < len; i += 3) {
    uint32_t v = uint32_t{digest[i]} << 16;
    if (i + 1 < len) v |= uint32_t{digest[i + 1]} << 8;
    if (i + 2 < len) v |= digest[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < len ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back(i + 2 < len ? kAlphabet[v & 63] : '=');
  }
  return out;
}

std::string handshake_response(std::string_view key, std::string_view protocol) {
  std::string out =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ";
  out += accept_key(key);
  out += "\r\nServer: techpulse-gateway\r\n";
  if (!protocol.empty()) {
    out += "Sec-WebSocket-Protocol: ";
    out += protocol;
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    // ASCII runs, 8 bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // no overlong forms
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // no overlong forms
      if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
      return false;
    }
    if (i + len > n) return false;
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace techpulse::gateway::ws
