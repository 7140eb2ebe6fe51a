// libFuzzer target: the client frame parser (protocol::parse_client_frame) and the topic and cursor parsers.
// Besides memory and UB errors (ASan, UBSan), it checks that whatever the parser accepts keeps the limits and
// shapes docs/protocol.md promises, so a frame the session acts on is always a valid one.
#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_check.hpp"
#include "protocol/frames.hpp"
#include "protocol/uuid.hpp"

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

void check_frame(const ParseResult& r, const Limits& lim) {
  if (const auto* e = std::get_if<ProtocolError>(&r)) {
    FUZZ_CHECK(!e->message.empty());
    FUZZ_CHECK(e->ref.size() <= 64);
    FUZZ_CHECK(to_string(e->code) != "internal" || e->message == "out of memory");
    return;
  }
  const auto& f = std::get<ClientFrame>(r);
  FUZZ_CHECK(f.ref.size() <= 64);
  FUZZ_CHECK(to_string(f.type) != "?");
  FUZZ_CHECK(f.limit >= 1 && f.limit <= 200);
  FUZZ_CHECK(!f.since || *f.since >= 0);
  FUZZ_CHECK(!f.before || *f.before >= 0);
  if (!f.thread_id.empty()) FUZZ_CHECK(is_lower_uuid(f.thread_id));
  if (!f.ticket_id.empty()) FUZZ_CHECK(is_lower_uuid(f.ticket_id));
  if (f.title) {
    FUZZ_CHECK(f.title->size() <= lim.max_title_bytes);
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
      FUZZ_CHECK(f.client_msg_id.size() <= lim.max_client_msg_id_bytes);
      // metadata is stored as jsonb: it must be one JSON object.
      simdjson::dom::parser p;
      simdjson::dom::element el;
      FUZZ_CHECK(!p.parse(f.metadata).get(el) && el.is_object());
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

  check_frame(parse_client_frame(text), Limits{});
  Limits small;
  small.max_content_bytes = 16;
  small.max_title_bytes = 8;
  small.max_metadata_bytes = 24;
  small.max_client_msg_id_bytes = 4;
  small.max_access_token_bytes = 16;
  check_frame(parse_client_frame(text, small), small);

  if (auto t = parse_topic(text)) {
    FUZZ_CHECK(is_lower_uuid(t->id));
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
  return 0;
}
