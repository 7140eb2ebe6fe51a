#include "protocol/desk_frames.hpp"

#include <fmt/format.h>

#include "protocol/json_writer.hpp"

namespace techpulse::protocol {

using namespace detail;

std::optional<ParseResult> parse_desk_frame(std::string_view type, const Fields& f, ClientFrame& frame) {
  const std::string& ref = frame.ref;
  auto fail = [&](std::string msg) -> ParseResult { return ProtocolError{ErrorCode::bad_request, std::move(msg), ref}; };
  std::string e;
  if (type == "handoff") {
    frame.type = FrameType::handoff;
    if (!(e = read_uuid(f, k_thread_id, frame.thread_id, true)).empty()) return fail(e);
    if (!(e = read_string(f, k_reason, frame.reason, false)).empty()) return fail(e);
    if (has_nul(frame.reason)) return fail("reason must not contain NUL characters");
    if (utf8_length(frame.reason) > kMaxHandoffReasonChars) {
      return ParseResult{ProtocolError{
          ErrorCode::too_large, fmt::format("reason is longer than {} characters", kMaxHandoffReasonChars), ref}};
    }
    return ParseResult{frame};
  }
  if (type == "ticket.claim" || type == "ticket.assign") {
    frame.type = type == "ticket.claim" ? FrameType::ticket_claim : FrameType::ticket_assign;
    if (!(e = read_uuid(f, k_ticket_id, frame.ticket_id, true)).empty()) return fail(e);
    if (frame.type == FrameType::ticket_assign) {
      if (!(e = read_uuid(f, k_technician_id, frame.technician_id, true)).empty()) return fail(e);
    }
    return ParseResult{frame};
  }
  if (type == "analytics.summary") {
    frame.type = FrameType::analytics_summary;
    if (!(e = read_string(f, k_from, frame.from, false)).empty()) return fail(e);
    if (!(e = read_string(f, k_to, frame.to, false)).empty()) return fail(e);
    if (frame.from.size() > 64 || frame.to.size() > 64) return fail("from and to must be RFC 3339 timestamps");
    return ParseResult{frame};
  }
  return std::nullopt;
}

std::string encode_analytics(std::string_view ref, std::string_view summary_json) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "analytics.summary");
  if (!ref.empty()) w.field("ref", ref);
  w.field_raw("summary", summary_json).end_object();
  return out;
}

std::string encode_handoff(std::string_view ref, std::string_view thread_id, std::string_view ticket_id, bool created,
                           bool duplicate, std::string_view ticket_json) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "handoff");
  if (!ref.empty()) w.field("ref", ref);
  w.field("thread_id", thread_id).field_or_null("ticket_id", ticket_id).field("created", created);
  w.field("duplicate", duplicate).field_raw("ticket", ticket_json.empty() ? std::string_view("null") : ticket_json);
  w.end_object();
  return out;
}

std::string encode_ticket_reply(std::string_view ref, std::string_view ticket_json, bool duplicate) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "ticket");
  if (!ref.empty()) w.field("ref", ref);
  w.field_raw("ticket", ticket_json).field("duplicate", duplicate).end_object();
  return out;
}

std::string encode_subscribed_queue(std::string_view ref, std::string_view topic, std::string_view tickets_json) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", "subscribed");
  if (!ref.empty()) w.field("ref", ref);
  w.field("topic", topic).field_raw("tickets", tickets_json).end_object();
  return out;
}

}  // namespace techpulse::protocol
