// libFuzzer target: the client frame parser (protocol::parse_client_frame) and the topic and cursor parsers, and the
// database snapshot text a late joiner's assistant.snapshot is read under (storage::XidSnapshot).
// Besides memory and UB errors (ASan, UBSan), it checks that whatever the parser accepts keeps the limits and
// shapes docs/protocol.md promises, so a frame the session acts on is always a valid one.
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_check.hpp"
#include "protocol/frames.hpp"
#include "protocol/uuid.hpp"
#include "storage/xid_snapshot.hpp"

using namespace techpulse::protocol;

namespace {

bool is_lower_uuid(std::string_view s) {
  if (!is_uuid(s)) return false;
  for (char c : s) {
    if (c >= 'A' && c <= 'F') return false;
  }
  return true;
}

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

// Code points counted independently of protocol::utf8_length: decode each sequence by its lead byte.
size_t code_points(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) {
    auto b = static_cast<unsigned char>(s[i]);
    i += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  }
  return n;
}

// Depth of the deepest value, the outermost being level 1 (what docs/protocol.md limits to kMaxDepth).
size_t depth(simdjson::dom::element e) {
  size_t d = 0;
  simdjson::dom::array arr;
  simdjson::dom::object obj;
  if (!e.get_array().get(arr)) {
    for (auto child : arr) d = std::max(d, depth(child));
  } else if (!e.get_object().get(obj)) {
    for (auto [k, child] : obj) d = std::max(d, depth(child));
  }
  return d + 1;
}

void check_frame(const ParseResult& r, const Limits& lim) {
  if (const auto* e = std::get_if<ProtocolError>(&r)) {
    FUZZ_CHECK(!e->message.empty());
    FUZZ_CHECK(code_points(e->ref) <= kMaxRefChars);
    FUZZ_CHECK(to_string(e->code) != "internal" || e->message == "out of memory");
    return;
  }
  const auto& f = std::get<ClientFrame>(r);
  FUZZ_CHECK(code_points(f.ref) <= kMaxRefChars);
  FUZZ_CHECK(to_string(f.type) != "?");
  FUZZ_CHECK(f.limit >= 1 && f.limit <= 200);
  FUZZ_CHECK(!f.since || *f.since >= 0);
  FUZZ_CHECK(!f.before || *f.before >= 0);
  if (!f.thread_id.empty()) FUZZ_CHECK(is_lower_uuid(f.thread_id));
  if (!f.ticket_id.empty()) FUZZ_CHECK(is_lower_uuid(f.ticket_id));
  if (f.title) {
    FUZZ_CHECK(code_points(*f.title) <= lim.max_title_chars);
    FUZZ_CHECK(!has_nul(*f.title));
  }
  switch (f.type) {
    case FrameType::send: {
      FUZZ_CHECK(!f.thread_id.empty());
      FUZZ_CHECK(!f.content.empty() && f.content.size() <= lim.max_content_bytes && !has_nul(f.content));
      const auto& mt = f.message_type;
      FUZZ_CHECK(mt == "text" || mt == "voice" || mt == "image" || mt == "file");
      FUZZ_CHECK(f.metadata.size() <= lim.max_metadata_bytes || f.metadata == "{}");
      FUZZ_CHECK(!has_nul(f.metadata));
      FUZZ_CHECK(code_points(f.client_msg_id) <= lim.max_client_msg_id_chars && !has_nul(f.client_msg_id));
      // metadata is stored as jsonb: it must be one JSON object.
      simdjson::dom::parser p;
      simdjson::dom::element el;
      FUZZ_CHECK(!p.parse(f.metadata).get(el) && el.is_object());
      FUZZ_CHECK(depth(el) + 1 <= kMaxDepth);  // metadata sits at level 2 of the frame
      break;
    }
    case FrameType::history:
    case FrameType::typing:
    case FrameType::assistant_cancel:
    case FrameType::thread_update: FUZZ_CHECK(!f.thread_id.empty()); break;
    case FrameType::auth:
      FUZZ_CHECK(f.access_token.size() <= lim.max_access_token_bytes);
      break;
    default: break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto r = parse_client_frame(text);
  check_frame(r, Limits{});
  if (std::holds_alternative<ClientFrame>(r)) {
    // Whatever was accepted is valid JSON no deeper than the limit.
    simdjson::dom::parser p(text.size() + 64);
    if (!p.allocate(text.size() + 64, 4096)) {
      simdjson::dom::element el;
      FUZZ_CHECK(!p.parse(text.data(), text.size()).get(el) && depth(el) <= kMaxDepth);
    }
  }
  Limits small;
  small.max_content_bytes = 16;
  small.max_title_chars = 8;
  small.max_metadata_bytes = 24;
  small.max_client_msg_id_chars = 4;
  small.max_access_token_bytes = 16;
  check_frame(parse_client_frame(text, small), small);

  if (auto t = parse_topic(text)) {
    // Every topic's id is a lower-case UUID, except the desk's one queue, whose id is its name.
    FUZZ_CHECK(t->kind == TopicKind::queue ? t->id == "support" : is_lower_uuid(t->id));
    auto again = parse_topic(t->str());
    FUZZ_CHECK(again && again->kind == t->kind && again->id == t->id);
    FUZZ_CHECK(t->str().size() == text.size());
  }
  if (auto c = parse_cursor(text)) {
    // A cursor is the decimal text the server sends: digits only (leading zeros tolerated).
    FUZZ_CHECK(*c >= 0);
    for (char ch : text) FUZZ_CHECK(ch >= '0' && ch <= '9');
    FUZZ_CHECK(std::stoll(std::string(text)) == *c);
  }
  if (auto s = techpulse::storage::XidSnapshot::parse(text)) {
    // "xmin:xmax:xip,...": xmin <= xmax, the in-progress list ascending inside [xmin, xmax), and includes() agrees.
    FUZZ_CHECK(s->xmin <= s->xmax);
    for (size_t i = 0; i < s->xip.size(); ++i) {
      FUZZ_CHECK(s->xip[i] >= s->xmin && s->xip[i] < s->xmax);
      FUZZ_CHECK(i == 0 || s->xip[i - 1] < s->xip[i]);
      FUZZ_CHECK(!s->includes(s->xip[i]));
    }
    FUZZ_CHECK(s->xmin <= 1 || s->includes(s->xmin - 1));
    FUZZ_CHECK(!s->includes(s->xmax));
    FUZZ_CHECK(!s->includes(0));  // xid 0: a payload without one (before 011), never included
  }
  if (auto x = techpulse::storage::parse_xid(text)) {
    for (char ch : text) FUZZ_CHECK(ch >= '0' && ch <= '9');
    FUZZ_CHECK(std::to_string(*x) == std::string(text) || text.front() == '0');
  }
  return 0;
}
