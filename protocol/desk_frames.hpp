#pragma once
// The support desk's frames of techpulse.v1 (handoff, ticket.claim, ticket.assign, analytics.summary) and their replies; the queue
// topic's `subscribed`. The queue's events (ticket.queued, ticket.claimed, ticket.dequeued) are plain object events
// (events.hpp encode_event). Pure, like the rest of protocol/.
#include <optional>
#include <string>
#include <string_view>

#include "protocol/frame_fields.hpp"
#include "protocol/frames.hpp"

namespace techpulse::protocol {

// Longest handoff `reason`, in characters.
constexpr size_t kMaxHandoffReasonChars = 500;

// Called by parse_client_frame for a type it does not know: the parsed frame or error for the desk types, nullopt
// for any other type.
std::optional<ParseResult> parse_desk_frame(std::string_view type, const detail::Fields& f, ClientFrame& frame);

// The reply to handoff:
// {"type":"handoff","ref":...,"thread_id":...,"ticket_id":...,"created":bool,"duplicate":bool,"ticket":{...}|null}
std::string encode_handoff(std::string_view ref, std::string_view thread_id, std::string_view ticket_id, bool created,
                           bool duplicate, std::string_view ticket_json);

// The reply to ticket.claim / ticket.assign: {"type":"ticket","ref":...,"ticket":{...},"duplicate":bool}
std::string encode_ticket_reply(std::string_view ref, std::string_view ticket_json, bool duplicate);

// The reply to analytics.summary: {"type":"analytics.summary","ref":...,"summary":{...}}
std::string encode_analytics(std::string_view ref, std::string_view summary_json);

// `subscribed` for the queue: {"type":"subscribed","ref":...,"topic":"queue:support","tickets":[...]}
std::string encode_subscribed_queue(std::string_view ref, std::string_view topic, std::string_view tickets_json);

}  // namespace techpulse::protocol
