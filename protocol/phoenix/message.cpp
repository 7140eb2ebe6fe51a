#include "protocol/phoenix/message.hpp"

#include <simdjson.h>

#include "protocol/json_writer.hpp"

namespace techpulse::protocol::phoenix {

namespace {

simdjson::dom::parser& parser() {
  thread_local simdjson::dom::parser p(64 * 1024 * 1024);
  return p;
}

// A ref or join_ref: a string or null (realtime-js sends decimal strings; the server echoes them verbatim).
bool read_ref(simdjson::dom::element e, std::optional<std::string>& out) {
  if (e.is_null()) {
    out.reset();
    return true;
  }
  std::string_view s;
  if (e.get_string().get(s) || s.size() > kMaxNameBytes) return false;
  out.emplace(s);
  return true;
}

bool read_name(simdjson::dom::element e, std::string& out) {
  std::string_view s;
  if (e.get_string().get(s) || s.size() > kMaxNameBytes) return false;
  out.assign(s);
  return true;
}

ParseError fail(std::string message, const Message& m) {
  return ParseError{std::move(message), m.join_ref, m.ref, m.topic};
}

// Parses JSON text; false when it is not valid JSON (or nested deeper than kMaxDepth).
bool parse_json(std::string_view text, simdjson::dom::element& out, std::string& why) {
  auto& p = parser();
  auto error = p.parse(text.data(), text.size(), true).get(out);
  if (error == simdjson::DEPTH_ERROR) {
    why = "frame is nested too deeply";
    return false;
  }
  if (error) {
    why = "frame is not valid JSON";
    return false;
  }
  return true;
}

bool depth_ok(simdjson::dom::element e, size_t depth = 1) {
  if (depth > kMaxDepth) return false;
  simdjson::dom::array arr;
  simdjson::dom::object obj;
  if (!e.get_array().get(arr)) {
    for (auto c : arr) {
      if (!depth_ok(c, depth + 1)) return false;
    }
  } else if (!e.get_object().get(obj)) {
    for (auto [k, c] : obj) {
      if (!depth_ok(c, depth + 1)) return false;
    }
  }
  return true;
}

}  // namespace

std::optional<Vsn> parse_vsn(std::string_view value) {
  if (value.empty() || value == "1.0.0") return Vsn::v1;
  if (value == "2.0.0") return Vsn::v2;
  return std::nullopt;
}

Parsed parse_text(std::string_view frame, Vsn vsn) {
  Message m;
  simdjson::dom::element doc;
  std::string why;
  if (!parse_json(frame, doc, why)) return fail(why, m);
  if (!depth_ok(doc)) return fail("frame is nested too deeply", m);
  simdjson::dom::element jr, ref, topic, event, payload;
  bool has_jr = true, has_ref = true;
  if (vsn == Vsn::v2) {
    simdjson::dom::array arr;
    if (doc.get_array().get(arr) || arr.size() != 5) {
      return fail("frame must be an array [join_ref, ref, topic, event, payload]", m);
    }
    jr = arr.at(0).value_unsafe();
    ref = arr.at(1).value_unsafe();
    topic = arr.at(2).value_unsafe();
    event = arr.at(3).value_unsafe();
    payload = arr.at(4).value_unsafe();
  } else {
    simdjson::dom::object obj;
    if (doc.get_object().get(obj)) return fail("frame must be a JSON object", m);
    has_jr = !obj["join_ref"].get(jr);
    has_ref = !obj["ref"].get(ref);
    if (obj["topic"].get(topic)) return fail("frame has no topic", m);
    if (obj["event"].get(event)) return fail("frame has no event", m);
    if (obj["payload"].get(payload)) return fail("frame has no payload", m);
  }
  // Refs first, so every later error can answer the push.
  if (has_ref && !read_ref(ref, m.ref)) return fail("ref must be a string (at most 255 bytes) or null", m);
  if (has_jr && !read_ref(jr, m.join_ref)) return fail("join_ref must be a string (at most 255 bytes) or null", m);
  if (!read_name(topic, m.topic)) return fail("topic must be a string of at most 255 bytes", m);
  if (!read_name(event, m.event)) return fail("event must be a string of at most 255 bytes", m);
  m.payload = simdjson::minify(payload);
  return m;
}

Parsed parse_binary(std::string_view frame, Vsn vsn) {
  Message none;
  if (vsn != Vsn::v2) return fail("binary frames need vsn 2.0.0", none);
  if (frame.empty()) return fail("empty binary frame", none);
  auto byte = [&](size_t i) { return static_cast<unsigned char>(frame[i]); };
  if (byte(0) != 3) return fail("binary frame kind " + std::to_string(byte(0)) + " is not accepted (only 3)", none);
  constexpr size_t kHeader = 7;
  if (frame.size() < kHeader) return fail("binary frame is truncated", none);
  size_t lens[5] = {byte(1), byte(2), byte(3), byte(4), byte(5)};
  unsigned encoding = byte(6);
  size_t need = kHeader;
  for (size_t l : lens) need += l;
  if (frame.size() < need) return fail("binary frame is truncated", none);
  std::string_view parts[5];
  size_t off = kHeader;
  for (int i = 0; i < 5; ++i) {
    parts[i] = frame.substr(off, lens[i]);
    off += lens[i];
    if (!simdjson::validate_utf8(parts[i].data(), parts[i].size())) {
      return fail("binary frame header is not UTF-8", none);
    }
  }
  UserBroadcast b;
  if (!parts[0].empty()) b.join_ref.emplace(parts[0]);
  if (!parts[1].empty()) b.ref.emplace(parts[1]);
  b.topic.assign(parts[2]);
  b.event.assign(parts[3]);
  Message refs;
  refs.join_ref = b.join_ref;
  refs.ref = b.ref;
  refs.topic = b.topic;
  if (b.event.empty()) return fail("broadcast event must not be empty", refs);
  std::string why;
  if (!parts[4].empty()) {
    simdjson::dom::element meta;
    if (!parse_json(parts[4], meta, why) || !meta.is_object()) return fail("broadcast metadata must be a JSON object", refs);
    b.meta = simdjson::minify(meta);
  }
  std::string_view body = frame.substr(off);
  if (encoding == 1) {
    simdjson::dom::element p;
    if (!parse_json(body, p, why) || !depth_ok(p)) return fail("broadcast payload is not valid JSON", refs);
    b.json = true;
    b.payload = simdjson::minify(p);
  } else if (encoding == 0) {
    b.json = false;
    b.payload.assign(body);
  } else {
    return fail("broadcast payload encoding " + std::to_string(encoding) + " is unknown (0 raw, 1 JSON)", refs);
  }
  return b;
}

std::string encode(Vsn vsn, const std::optional<std::string>& join_ref, const std::optional<std::string>& ref,
                   std::string_view topic, std::string_view event, std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + topic.size() + event.size() + 48);
  if (vsn == Vsn::v2) {
    out += '[';
    if (join_ref) append_json_string(out, *join_ref); else out += "null";
    out += ',';
    if (ref) append_json_string(out, *ref); else out += "null";
    out += ',';
    append_json_string(out, topic);
    out += ',';
    append_json_string(out, event);
    out += ',';
    out += payload;
    out += ']';
    return out;
  }
  JsonWriter w(out);
  w.begin_object().field("topic", topic).field("event", event).field_raw("payload", payload);
  if (ref) w.field("ref", *ref); else w.field_null("ref");
  w.end_object();
  return out;
}

std::string encode_reply(Vsn vsn, const std::optional<std::string>& join_ref, const std::optional<std::string>& ref,
                         std::string_view topic, std::string_view status, std::string_view response) {
  std::string payload;
  JsonWriter(payload).begin_object().field("status", status).field_raw("response", response).end_object();
  return encode(vsn, join_ref, ref, topic, "phx_reply", payload);
}

std::string encode_user_broadcast(std::string_view topic, std::string_view event, std::string_view meta, bool json,
                                  std::string_view payload) {
  if (topic.size() > kMaxNameBytes || event.size() > kMaxNameBytes || meta.size() > kMaxNameBytes) return {};
  std::string out;
  out.reserve(5 + topic.size() + event.size() + meta.size() + payload.size());
  out += static_cast<char>(4);
  out += static_cast<char>(topic.size());
  out += static_cast<char>(event.size());
  out += static_cast<char>(meta.size());
  out += static_cast<char>(json ? 1 : 0);
  out += topic;
  out += event;
  out += meta;
  out += payload;
  return out;
}

std::string broadcast_payload(std::string_view event, std::string_view payload_json, std::string_view meta) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "broadcast").field("event", event).field_raw("payload", payload_json);
  if (!meta.empty()) w.field_raw("meta", meta);
  w.end_object();
  return out;
}

}  // namespace techpulse::protocol::phoenix
