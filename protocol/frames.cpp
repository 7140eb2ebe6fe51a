#include "protocol/frames.hpp"

#include <simdjson.h>

#include <array>
#include <charconv>

#include "protocol/conversation_frames.hpp"
#include "protocol/desk_frames.hpp"
#include "protocol/frame_fields.hpp"
#include "protocol/uuid.hpp"

namespace techpulse::protocol {

using namespace detail;

std::string_view to_string(FrameType t) {
  switch (t) {
    case FrameType::subscribe: return "subscribe";
    case FrameType::unsubscribe: return "unsubscribe";
    case FrameType::send: return "send";
    case FrameType::history: return "history";
    case FrameType::typing: return "typing";
    case FrameType::thread_create: return "thread.create";
    case FrameType::thread_update: return "thread.update";
    case FrameType::threads_list: return "threads.list";
    case FrameType::assistant_cancel: return "assistant.cancel";
    case FrameType::ping: return "ping";
    case FrameType::auth: return "auth";
    case FrameType::message_edit: return "message.edit";
    case FrameType::message_delete: return "message.delete";
    case FrameType::read: return "read";
    case FrameType::search: return "search";
    case FrameType::handoff: return "handoff";
    case FrameType::ticket_claim: return "ticket.claim";
    case FrameType::ticket_assign: return "ticket.assign";
    case FrameType::analytics_summary: return "analytics.summary";
  }
  return "?";
}

std::string_view to_string(ErrorCode c) {
  switch (c) {
    case ErrorCode::bad_request: return "bad_request";
    case ErrorCode::unknown_type: return "unknown_type";
    case ErrorCode::unauthorized: return "unauthorized";
    case ErrorCode::forbidden: return "forbidden";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::conflict: return "conflict";
    case ErrorCode::rate_limited: return "rate_limited";
    case ErrorCode::too_large: return "too_large";
    case ErrorCode::unavailable: return "unavailable";
    case ErrorCode::internal: return "internal";
  }
  return "internal";
}

std::string Topic::str() const {
  std::string_view prefix = kind == TopicKind::thread   ? "thread:"
                            : kind == TopicKind::ticket ? "ticket:"
                            : kind == TopicKind::queue  ? "queue:"
                                                        : "user:";
  std::string out(prefix);
  out += id;
  return out;
}

namespace {

using detail::has_nul;

// PostgreSQL text and jsonb cannot hold NUL: refuse it anywhere in a metadata object, keys included.
bool has_nul(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::STRING: return has_nul(e.get_string().value_unsafe());
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array arr;
      if (e.get_array().get(arr)) return false;
      for (auto child : arr) {
        if (has_nul(child)) return true;
      }
      return false;
    }
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object obj;
      if (e.get_object().get(obj)) return false;
      for (auto [key, child] : obj) {
        if (has_nul(key) || has_nul(child)) return true;
      }
      return false;
    }
    default: return false;
  }
}

}  // namespace

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // every byte but a continuation byte starts a code point
  }
  return n;
}

std::optional<Topic> parse_topic(std::string_view s) {
  auto take = [&](std::string_view prefix, TopicKind kind) -> std::optional<Topic> {
    if (s.substr(0, prefix.size()) != prefix) {
      return std::nullopt;
    }
    auto id = s.substr(prefix.size());
    if (!is_uuid(id)) {
      return std::nullopt;
    }
    return Topic{kind, lower(id)};
  };
  if (auto t = take("thread:", TopicKind::thread)) return t;
  if (auto t = take("ticket:", TopicKind::ticket)) return t;
  if (auto t = take("user:", TopicKind::user)) return t;
  if (s == "queue:support") return Topic{TopicKind::queue, "support"};
  return std::nullopt;
}

std::optional<int64_t> parse_cursor(std::string_view s) {
  int64_t v = 0;
  // Digits only: from_chars alone would also take "-0".
  if (s.empty() || s.size() > 19 || s[0] < '0' || s[0] > '9') {
    return std::nullopt;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) {
    return std::nullopt;
  }
  return v;
}

namespace {

// parse_client_frame without the error's type: `type_seen` receives the frame's type once it is read. With a
// forced_type (parse_fields_as: another dialect's request), the object's own "type" is ignored and each of
// `overrides` replaces the field it names.
ParseResult parse_frame(std::string_view text, const Limits& limits, std::string& type_seen,
                        std::string_view forced_type = {}, const FieldOverrides& overrides = {}) {
  // The DOM parser validates the whole frame (syntax, UTF-8, trailing content, depth) before any field is used.
  thread_local simdjson::dom::parser parser = [] {
    simdjson::dom::parser p;
    if (p.allocate(64 * 1024, kMaxDepth)) { /* the first parse allocates instead */ }
    return p;
  }();
  std::array<Field, k_count> f;
  std::string ref;
  {
    simdjson::dom::element doc;
    if (text.size() > parser.capacity() && parser.allocate(text.size(), kMaxDepth)) {
      return err(ErrorCode::internal, "out of memory", ref);
    }
    auto error = parser.parse(text.data(), text.size(), true).get(doc);
    if (error == simdjson::DEPTH_ERROR) {
      return err(ErrorCode::bad_request, "frame is nested too deeply", ref);
    }
    if (error) {
      return err(ErrorCode::bad_request, "frame is not valid JSON", ref);
    }
    simdjson::dom::object obj;
    if (doc.get_object().get(obj)) {
      return err(ErrorCode::bad_request, "frame must be a JSON object", ref);
    }
    for (auto [key, v] : obj) {
      int idx = key_index(key);
      if (idx < 0) {
        continue;  // unknown fields are ignored
      }
      Field& out = f[idx];
      switch (v.type()) {
        case simdjson::dom::element_type::STRING:
          out.kind = Field::string;
          out.str.assign(v.get_string().value_unsafe());
          break;
        case simdjson::dom::element_type::INT64:
          out.kind = Field::integer;
          out.num = v.get_int64().value_unsafe();
          break;
        case simdjson::dom::element_type::BOOL:
          out.kind = Field::boolean;
          out.flag = v.get_bool().value_unsafe();
          break;
        case simdjson::dom::element_type::OBJECT:
          out.kind = has_nul(v) ? Field::object_with_nul : Field::object;
          out.str = simdjson::minify(v);
          break;
        case simdjson::dom::element_type::NULL_VALUE:
          out.kind = Field::null;
          break;
        default:
          out.kind = Field::other;  // arrays, fractions, integers past int64
      }
      if (idx == k_ref && out.kind == Field::string && utf8_length(out.str) <= kMaxRefChars) {
        ref = out.str;
      }
    }
  }
  if (!forced_type.empty()) {
    f[k_type] = Field{Field::string, std::string(forced_type)};
    for (const auto& [name, value] : overrides) {
      int idx = key_index(name);
      if (idx >= 0) f[idx] = Field{has_nul(value) ? Field::other : Field::string, value};
    }
  }

  if (f[k_ref].kind != Field::absent && f[k_ref].kind != Field::null) {
    if (f[k_ref].kind != Field::string) {
      return err(ErrorCode::bad_request, "ref must be a string", ref);
    }
    if (utf8_length(f[k_ref].str) > kMaxRefChars) {
      return err(ErrorCode::bad_request, "ref must be at most " + std::to_string(kMaxRefChars) + " characters", ref);
    }
  }
  if (f[k_type].kind == Field::absent) {
    return err(ErrorCode::bad_request, "type is required", ref);
  }
  if (f[k_type].kind != Field::string) {
    return err(ErrorCode::bad_request, "type must be a string", ref);
  }

  ClientFrame frame;
  frame.ref = ref;
  const std::string& type = f[k_type].str;
  type_seen = type;

  // Field readers: each returns an error message, or empty on success.
  auto absent = [&](Key k) { return f[k].kind == Field::absent || f[k].kind == Field::null; };
  auto need_string = [&](Key k, std::string& out, bool required) -> std::string {
    if (absent(k)) {
      return required ? std::string(key_names[k]) + " is required" : std::string();
    }
    if (f[k].kind != Field::string) {
      return std::string(key_names[k]) + " must be a string";
    }
    out = f[k].str;
    return {};
  };
  auto need_uuid = [&](Key k, std::string& out, bool required) -> std::string {
    if (auto e = need_string(k, out, required); !e.empty()) {
      return e;
    }
    if (!out.empty() || !absent(k)) {
      if (!is_uuid(out)) {
        return std::string(key_names[k]) + " must be a UUID";
      }
      out = lower(out);
    }
    return {};
  };
  auto need_cursor = [&](Key k, std::optional<int64_t>& out) -> std::string {
    if (absent(k)) {
      return {};
    }
    if (f[k].kind == Field::integer && f[k].num >= 0) {
      out = f[k].num;
      return {};
    }
    if (f[k].kind == Field::string) {
      if (auto c = parse_cursor(f[k].str)) {
        out = *c;
        return {};
      }
    }
    return std::string(key_names[k]) + " must be a cursor (a string received from the server)";
  };
  auto need_limit = [&](int max) -> std::string {
    if (absent(k_limit)) {
      return {};
    }
    if (f[k_limit].kind != Field::integer || f[k_limit].num < 1 || f[k_limit].num > max) {
      return "limit must be an integer from 1 to " + std::to_string(max);
    }
    frame.limit = static_cast<int>(f[k_limit].num);
    return {};
  };
  auto need_bool = [&](Key k, std::optional<bool>& out) -> std::string {
    if (absent(k)) {
      return {};
    }
    if (f[k].kind != Field::boolean) {
      return std::string(key_names[k]) + " must be a boolean";
    }
    out = f[k].flag;
    return {};
  };
  auto need_title = [&]() -> std::string {
    if (absent(k_title)) {
      return {};
    }
    if (f[k_title].kind != Field::string) {
      return "title must be a string";
    }
    if (utf8_length(f[k_title].str) > limits.max_title_chars) {
      return "title is longer than " + std::to_string(limits.max_title_chars) + " characters";
    }
    if (has_nul(f[k_title].str)) {
      return "title must not contain NUL characters";
    }
    frame.title = f[k_title].str;
    return {};
  };

  std::string e;
  auto fail = [&](const std::string& msg) -> ParseResult { return err(ErrorCode::bad_request, msg, ref); };
  auto too_large = [&](const std::string& msg) -> ParseResult { return err(ErrorCode::too_large, msg, ref); };

  if (type == "subscribe" || type == "unsubscribe") {
    frame.type = type == "subscribe" ? FrameType::subscribe : FrameType::unsubscribe;
    if (!(e = need_string(k_topic, frame.topic, true)).empty()) return fail(e);
    if (frame.type == FrameType::subscribe) {
      if (!(e = need_cursor(k_since, frame.since)).empty()) return fail(e);
    }
  } else if (type == "send") {
    frame.type = FrameType::send;
    if (!(e = need_uuid(k_thread_id, frame.thread_id, true)).empty()) return fail(e);
    if (!(e = need_string(k_content, frame.content, true)).empty()) return fail(e);
    if (auto ce = content_error(frame.content, limits, ref)) return *ce;
    if (!absent(k_message_type)) {
      if (!(e = need_string(k_message_type, frame.message_type, false)).empty()) return fail(e);
      const auto& mt = frame.message_type;
      if (mt != "text" && mt != "voice" && mt != "image" && mt != "file") {
        return fail("message_type must be one of text, voice, image, file");
      }
    }
    if (!absent(k_metadata)) {
      if (f[k_metadata].kind == Field::object_with_nul) return fail("metadata must not contain NUL characters");
      if (f[k_metadata].kind != Field::object) return fail("metadata must be an object");
      if (f[k_metadata].str.size() > limits.max_metadata_bytes) {
        return too_large("metadata is larger than " + std::to_string(limits.max_metadata_bytes) + " bytes");
      }
      frame.metadata = f[k_metadata].str;
    }
    if (!absent(k_client_msg_id)) {
      if (!(e = need_string(k_client_msg_id, frame.client_msg_id, false)).empty()) return fail(e);
      if (frame.client_msg_id.empty() || utf8_length(frame.client_msg_id) > limits.max_client_msg_id_chars) {
        return fail("client_msg_id must be 1 to " + std::to_string(limits.max_client_msg_id_chars) + " characters");
      }
      // A NUL would make the batch's jsonb (and so every send in it) fail in PostgreSQL.
      if (has_nul(frame.client_msg_id)) return fail("client_msg_id must not contain NUL characters");
    }
  } else if (type == "history") {
    frame.type = FrameType::history;
    if (!(e = need_uuid(k_thread_id, frame.thread_id, true)).empty()) return fail(e);
    if (!(e = need_cursor(k_before, frame.before)).empty()) return fail(e);
    if (!(e = need_cursor(k_after, frame.after)).empty()) return fail(e);
    if (frame.before && frame.after) return fail("before and after cannot be combined");
    if (!(e = need_limit(200)).empty()) return fail(e);
  } else if (type == "typing" || type == "assistant.cancel") {
    frame.type = type == "typing" ? FrameType::typing : FrameType::assistant_cancel;
    if (!(e = need_uuid(k_thread_id, frame.thread_id, true)).empty()) return fail(e);
  } else if (type == "thread.create") {
    frame.type = FrameType::thread_create;
    if (!(e = need_title()).empty()) return e.rfind("title is longer", 0) == 0 ? too_large(e) : fail(e);
    if (!(e = need_uuid(k_ticket_id, frame.ticket_id, false)).empty()) return fail(e);
    if (!(e = need_bool(k_assistant, frame.assistant)).empty()) return fail(e);
  } else if (type == "thread.update") {
    frame.type = FrameType::thread_update;
    if (!(e = need_uuid(k_thread_id, frame.thread_id, true)).empty()) return fail(e);
    if (!(e = need_title()).empty()) return e.rfind("title is longer", 0) == 0 ? too_large(e) : fail(e);
    frame.ticket_id_set = f[k_ticket_id].kind != Field::absent;
    if (!(e = need_uuid(k_ticket_id, frame.ticket_id, false)).empty()) return fail(e);
    if (!(e = need_bool(k_assistant, frame.assistant)).empty()) return fail(e);
  } else if (type == "threads.list") {
    frame.type = FrameType::threads_list;
    if (!(e = need_limit(200)).empty()) return fail(e);
    if (!(e = need_string(k_before, frame.before_token, false)).empty()) return fail(e);
  } else if (type == "ping") {
    frame.type = FrameType::ping;
  } else if (type == "auth") {
    frame.type = FrameType::auth;
    if (!(e = need_string(k_access_token, frame.access_token, true)).empty()) return fail(e);
    if (frame.access_token.size() > limits.max_access_token_bytes) return too_large("access_token is too long");
  } else if (auto conv = parse_conversation_frame(type, f, frame, limits)) {
    return std::move(*conv);
  } else if (auto desk = parse_desk_frame(type, f, frame)) {
    return std::move(*desk);
  } else {
    return err(ErrorCode::unknown_type, "unknown frame type (see docs/protocol.md for the list)", ref);
  }
  return frame;
}

}  // namespace

ParseResult parse_client_frame(std::string_view text, const Limits& limits) {
  std::string type;
  auto r = parse_frame(text, limits, type);
  if (auto* e = std::get_if<ProtocolError>(&r)) e->type = std::move(type);
  return r;
}

ParseResult parse_fields_as(std::string_view type, std::string_view object, const FieldOverrides& fields,
                            const Limits& limits) {
  std::string seen;
  auto r = parse_frame(object, limits, seen, type, fields);
  if (auto* e = std::get_if<ProtocolError>(&r)) e->type = std::move(seen);
  return r;
}

}  // namespace techpulse::protocol
