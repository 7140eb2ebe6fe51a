#pragma once
// The HTTP API's routes (docs/http-api.md): which core call a request is. Pure: the fields are checked by the same
// rules as a techpulse.v1 frame (protocol::parse_fields_as), so a limit or a shape rule is never written twice.
#include <optional>
#include <string>
#include <string_view>

#include "gateway/dialect/http_v1/request.hpp"
#include "gateway/realtime/calls.hpp"
#include "protocol/frames.hpp"

namespace techpulse::gateway::dialect::http_v1 {

// Whether a path belongs to this dialect: the chat routes (/v1/threads and below) and the admins' analytics
// (/v1/analytics/summary, the analytics.summary frame's call).
bool is_api_path(std::string_view path);

// What the reply to a call is, on success.
enum class Answer {
  threads,       // 200 {"threads":[...],"has_more","next_before"}
  thread,        // 200 {"thread":{...}}
  created,       // 201 {"thread":{...}}
  messages,      // 200 {"messages":[...],"has_more","next_before"}
  messages_fwd,  // 200 {"messages":[...],"has_more","next_after"}
  sent,          // 201 (or 200 with "duplicate":true) {"message":{...},"cursor","duplicate"}
  summary,       // 200 the analytics summary object itself (docs/desk.md "Analytics")
};

struct Route {
  std::optional<realtime::calls::Call> call;
  Answer answer = Answer::thread;
  std::optional<Reply> refusal;  // a bad request, an unknown path or method: answered without the core
};

Route route(const Request& req, const protocol::Limits& limits);

// The HTTP status of a protocol error code (docs/http-api.md, "Errors").
int status_of(protocol::ErrorCode code);
// {"error":"<code>","message":"..."} with its status.
Reply error_reply(protocol::ErrorCode code, std::string_view message);

}  // namespace techpulse::gateway::dialect::http_v1
