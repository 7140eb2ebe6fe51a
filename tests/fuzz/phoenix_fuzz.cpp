// libFuzzer target: the Phoenix wire format (protocol/phoenix). The first input byte picks a mode:
//   0, 1  the rest is a text frame, vsn 1 / vsn 2: parsed; a frame that parses is encoded again, and that
//         encoding must parse back to the same fields (refs, topic, event, payload) in both vsns;
//   2     the rest is a binary frame (vsn 2): a kind-3 frame that parses has names of at most 255 bytes, and its
//         kind-4 encoding carries them at the offsets realtime-js reads; its JSON form must be valid JSON;
//   3     the rest is a phx_join payload: a config that parses gives a join reply that is valid JSON and holds
//         exactly one entry per binding;
//   4     the rest is a postgres_changes filter: one that parses is evaluated on a fixed row without fault, as it
//         is and with two columns compared as instants; the text is also parsed as an instant (instant.hpp), and
//         one that parses is a time within years 0001-9999 (+-16 h of offset);
//   5     the rest is a presence push: a meta that parses gives valid presence_state / presence_diff JSON;
//   6     the rest is lines, each a vsn-2 text frame fed to one ChannelSet (a join is accepted): every reply it
//         produces is a well-formed vsn-2 frame, and a topic is joined exactly after its accepted join and
//         before its leave.
//   7     the rest is a REST broadcast body: messages that parse have names of 1..255 bytes and JSON payloads
//         within the limit; a refusal is a 400 or a 413 with a message;
//   8     the rest is httpSend's room, event and body (split at the first two newlines; the body is raw bytes when
//         the room's length is odd): the same invariants, raw payloads kept byte for byte.
#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_check.hpp"
#include "protocol/phoenix/channels.hpp"
#include "protocol/phoenix/filter.hpp"
#include "protocol/phoenix/instant.hpp"
#include "protocol/phoenix/message.hpp"
#include "protocol/phoenix/payloads.hpp"
#include "protocol/phoenix/rest.hpp"

using namespace techpulse::protocol::phoenix;

namespace {

bool valid_json(const std::string& s) {
  static simdjson::dom::parser p;
  simdjson::dom::element e;
  return !p.parse(s).get(e);
}

void text_mode(std::string_view in, Vsn vsn) {
  auto r = parse_text(in, vsn);
  if (auto* e = std::get_if<ParseError>(&r)) {
    FUZZ_CHECK(!e->message.empty());
    return;
  }
  const auto& m = std::get<Message>(r);
  FUZZ_CHECK(m.topic.size() <= kMaxNameBytes && m.event.size() <= kMaxNameBytes);
  FUZZ_CHECK(valid_json(m.payload));
  for (Vsn out : {Vsn::v1, Vsn::v2}) {
    auto again = parse_text(encode(out, m.join_ref, m.ref, m.topic, m.event, m.payload), out);
    FUZZ_CHECK(std::holds_alternative<Message>(again));
    const auto& n = std::get<Message>(again);
    FUZZ_CHECK(n.ref == m.ref && n.topic == m.topic && n.event == m.event && n.payload == m.payload);
    // The V1 server form carries no join_ref (as Phoenix's V1 serializer).
    FUZZ_CHECK(out == Vsn::v1 ? !n.join_ref.has_value() : n.join_ref == m.join_ref);
  }
}

void binary_mode(std::string_view in) {
  auto r = parse_binary(in, Vsn::v2);
  if (auto* e = std::get_if<ParseError>(&r)) {
    FUZZ_CHECK(!e->message.empty());
    return;
  }
  const auto& b = std::get<UserBroadcast>(r);
  FUZZ_CHECK(b.topic.size() <= 255 && b.event.size() <= 255 && !b.event.empty());
  std::string out = encode_user_broadcast(b.topic, b.event, b.meta, b.json, b.payload);
  if (b.meta.size() > 255) {
    FUZZ_CHECK(out.empty());
    return;
  }
  FUZZ_CHECK(out.size() == 5 + b.topic.size() + b.event.size() + b.meta.size() + b.payload.size());
  FUZZ_CHECK(out[0] == 4 && static_cast<unsigned char>(out[1]) == b.topic.size());
  FUZZ_CHECK(out.compare(5, b.topic.size(), b.topic) == 0);
  FUZZ_CHECK(out.compare(5 + b.topic.size(), b.event.size(), b.event) == 0);
  if (b.json) FUZZ_CHECK(valid_json(broadcast_payload(b.event, b.payload, b.meta)));
}

void join_mode(std::string_view in) {
  auto r = parse_join(in);
  if (auto* why = std::get_if<std::string>(&r)) {
    FUZZ_CHECK(!why->empty());
    return;
  }
  const auto& c = std::get<JoinConfig>(r);
  std::vector<int64_t> ids;
  for (size_t i = 0; i < c.postgres_changes.size(); ++i) ids.push_back(static_cast<int64_t>(i) + 1);
  auto reply = join_response(c.postgres_changes, ids);
  simdjson::dom::parser p;
  simdjson::dom::array arr;
  FUZZ_CHECK(!p.parse(reply)["postgres_changes"].get_array().get(arr));
  FUZZ_CHECK(arr.size() == c.postgres_changes.size());
}

void filter_mode(std::string_view in) {
  auto r = parse_filter(in);
  if (auto* why = std::get_if<std::string>(&r)) {
    FUZZ_CHECK(!why->empty());
    return;
  }
  const auto& f = std::get<Filter>(r);
  FUZZ_CHECK(f.all.size() <= kMaxConditions);
  for (const auto& c : f.all) FUZZ_CHECK(!c.values.empty());
  static simdjson::dom::parser p;
  simdjson::dom::object row = p.parse(std::string_view(
      R"({"id":5,"name":"a,b","done":true,"gone":null,"score":-2.5e3,"meta":{"a":[1]},"big":18446744073709551615})"))
                                  .get_object()
                                  .value();
  (void)filter_matches(f, row);
  Filter timed = f;
  if (!compare_as_instants(timed, {"name", "gone"})) (void)filter_matches(timed, row);
}

void instant_check(std::string_view in) {
  auto t = parse_instant(in);
  if (!t) return;
  constexpr int64_t kDay = 86400LL * 1000000;
  FUZZ_CHECK(*t >= -719162 * kDay - kDay && *t < 2932897 * kDay + kDay);
}

void presence_mode(std::string_view in) {
  auto r = parse_presence(in);
  if (auto* why = std::get_if<std::string>(&r)) {
    FUZZ_CHECK(!why->empty());
    return;
  }
  const auto& push = std::get<PresencePush>(r);
  std::vector<PresenceEntry> e = {{"k\"1", "F1", "", push.meta}, {"k2", "F2", "F1", push.meta}};
  FUZZ_CHECK(valid_json(presence_map(e)));
  FUZZ_CHECK(valid_json(presence_diff(e, e)));
}

void channels_mode(std::string_view in) {
  ChannelSet ch(Vsn::v2);
  size_t start = 0;
  while (start <= in.size()) {
    size_t nl = in.find('\n', start);
    if (nl == std::string_view::npos) nl = in.size();
    auto step = ch.on_text(in.substr(start, nl - start));
    for (const auto& r : step.replies) FUZZ_CHECK(std::holds_alternative<Message>(parse_text(r, Vsn::v2)));
    if (step.intent.kind == Intent::join) {
      FUZZ_CHECK(!ch.joined(step.intent.topic));
      FUZZ_CHECK(std::holds_alternative<Message>(parse_text(ch.join_ok(step.intent, "{}"), Vsn::v2)));
      FUZZ_CHECK(ch.joined(step.intent.topic));
    } else if (step.intent.kind == Intent::leave) {
      FUZZ_CHECK(!ch.joined(step.intent.topic));
    } else if (step.intent.kind != Intent::none) {
      FUZZ_CHECK(ch.joined(step.intent.topic));
    }
    start = nl + 1;
  }
}

constexpr size_t kFuzzPayloadLimit = 1024;

void check_rest_error(const RestError& e) {
  FUZZ_CHECK((e.status == 400 || e.status == 413) && !e.message.empty());
}

void check_rest_message(const RestBroadcast& m) {
  FUZZ_CHECK(!m.topic.empty() && m.topic.size() <= kMaxNameBytes && !m.event.empty() && m.event.size() <= kMaxNameBytes);
  FUZZ_CHECK(m.payload.size() <= kFuzzPayloadLimit);
  if (m.json) FUZZ_CHECK(valid_json(m.payload));
}

void rest_mode(std::string_view in) {
  auto r = parse_rest_broadcast(in, kFuzzPayloadLimit);
  if (auto* e = std::get_if<RestError>(&r)) return check_rest_error(*e);
  const auto& list = std::get<std::vector<RestBroadcast>>(r);
  FUZZ_CHECK(!list.empty() && list.size() <= kMaxRestMessages);
  for (const auto& m : list) check_rest_message(m);
}

void http_send_mode(std::string_view in) {
  auto nl1 = in.find('\n');
  if (nl1 == std::string_view::npos) return;
  auto nl2 = in.find('\n', nl1 + 1);
  if (nl2 == std::string_view::npos) return;
  std::string_view room = in.substr(0, nl1), event = in.substr(nl1 + 1, nl2 - nl1 - 1), body = in.substr(nl2 + 1);
  const bool binary = room.size() % 2 == 1;
  auto r = parse_http_send(room, event, binary, binary, body, kFuzzPayloadLimit);
  if (auto* e = std::get_if<RestError>(&r)) return check_rest_error(*e);
  const auto& m = std::get<RestBroadcast>(r);
  check_rest_message(m);
  FUZZ_CHECK(m.topic == room && m.event == event && m.json == !binary && m.is_private == binary);
  if (binary) FUZZ_CHECK(m.payload == body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 9) {
    case 0: text_mode(in, Vsn::v1); break;
    case 1: text_mode(in, Vsn::v2); break;
    case 2: binary_mode(in); break;
    case 3: join_mode(in); break;
    case 4:
      filter_mode(in);
      instant_check(in);
      break;
    case 5: presence_mode(in); break;
    case 6: channels_mode(in); break;
    case 7: rest_mode(in); break;
    case 8: http_send_mode(in); break;
  }
  return 0;
}
