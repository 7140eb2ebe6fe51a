#include "gateway/dialect/http_v1/routes.hpp"

#include "gateway/dialect/techpulse_v1/connection.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/uuid.hpp"

namespace techpulse::gateway::dialect::http_v1 {

namespace calls = realtime::calls;
using protocol::ErrorCode;

namespace {

std::string decode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

bool digits(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The query string as the JSON object of a frame's fields: `limit` as a number when it is one (else a string, which
// the frame rules refuse with their own message), everything else as a string. access_token is not a field.
std::string query_object(std::string_view query) {
  std::string out;
  protocol::JsonWriter w(out);
  w.begin_object();
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    std::string key = decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string() : decode(pair.substr(eq + 1));
    if (!key.empty() && key != "access_token" && key != "type") {
      if (key == "limit" && digits(value)) {
        w.field(key, static_cast<int64_t>(std::stoll(value)));
      } else {
        w.field(key, value);
      }
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  w.end_object();
  return out;
}

Route refuse(int status, ErrorCode code, std::string_view message) {
  Route r;
  r.refusal = error_reply(code, message);
  r.refusal->status = status;
  return r;
}

Route not_allowed(std::string_view allow) {
  Route r = refuse(405, ErrorCode::bad_request, "this method is not allowed here (see the Allow header)");
  r.refusal->headers.emplace_back("Allow", std::string(allow));
  return r;
}

// A frame of `type` from the JSON object `fields`: its call, or the refusal with the frame rules' error.
Route frame(std::string_view type, std::string_view fields, const protocol::FieldOverrides& overrides,
            const protocol::Limits& limits, Answer answer) {
  auto parsed = protocol::parse_fields_as(type, fields.empty() ? std::string_view("{}") : fields, overrides, limits);
  if (auto* e = std::get_if<protocol::ProtocolError>(&parsed)) {
    std::string message = e->message;
    if (message == "frame is not valid JSON") message = "the body is not valid JSON";
    if (message == "frame must be a JSON object") message = "the body must be a JSON object";
    if (message == "frame is nested too deeply") message = "the body is nested too deeply";
    return refuse(status_of(e->code), e->code, message);
  }
  Route r;
  r.call = techpulse_v1::to_call(std::move(std::get<protocol::ClientFrame>(parsed)));
  r.answer = answer;
  return r;
}

}  // namespace

bool is_api_path(std::string_view path) {
  return path == "/v1/threads" || path.rfind("/v1/threads/", 0) == 0 || path == "/v1/analytics/summary";
}

int status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::bad_request:
    case ErrorCode::unknown_type: return 400;
    case ErrorCode::unauthorized: return 401;
    case ErrorCode::forbidden: return 403;
    case ErrorCode::not_found: return 404;
    case ErrorCode::conflict: return 409;
    case ErrorCode::too_large: return 413;
    case ErrorCode::rate_limited: return 429;
    case ErrorCode::unavailable: return 503;
    case ErrorCode::internal: return 500;
  }
  return 500;
}

Reply error_reply(ErrorCode code, std::string_view message) {
  Reply r;
  r.status = status_of(code);
  protocol::JsonWriter w(r.body);
  w.begin_object().field("error", protocol::to_string(code)).field("message", message).end_object();
  if (code == ErrorCode::rate_limited) r.headers.emplace_back("Retry-After", "1");
  return r;
}

Route route(const Request& req, const protocol::Limits& limits) {
  std::string_view target = req.target;
  auto q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  const std::string& m = req.method;

  if (path == "/v1/analytics/summary") {
    // from and to are the frame's fields; who may read it is tp_analytics_summary's rule (Session::analytics_summary).
    if (m == "GET") return frame("analytics.summary", query_object(query), {}, limits, Answer::summary);
    return not_allowed("GET");
  }
  if (path == "/v1/threads") {
    if (m == "GET") return frame("threads.list", query_object(query), {}, limits, Answer::threads);
    if (m == "POST") return frame("thread.create", req.body, {}, limits, Answer::created);
    return not_allowed("GET, POST");
  }
  std::string_view rest = path.substr(std::string_view("/v1/threads/").size());
  auto slash = rest.find('/');
  std::string id(rest.substr(0, slash));
  std::string_view sub = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (sub.empty()) {
    if (m == "GET") {
      if (!protocol::is_uuid(id)) return refuse(400, ErrorCode::bad_request, "the thread id must be a UUID");
      for (auto& c : id) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
      Route r;
      r.call = calls::ThreadGet{"http", id};
      r.answer = Answer::thread;
      return r;
    }
    if (m == "PATCH") return frame("thread.update", req.body, {{"thread_id", id}}, limits, Answer::thread);
    return not_allowed("GET, PATCH");
  }
  if (sub == "/messages") {
    if (m == "GET") {
      auto r = frame("history", query_object(query), {{"thread_id", id}}, limits, Answer::messages);
      if (r.call) {
        if (std::get<calls::History>(*r.call).after) r.answer = Answer::messages_fwd;
      }
      return r;
    }
    if (m == "POST") {
      protocol::FieldOverrides o{{"thread_id", id}};
      if (!req.idempotency_key.empty()) o.emplace_back("client_msg_id", req.idempotency_key);
      auto r = frame("send", req.body, o, limits, Answer::sent);
      if (r.refusal && !req.idempotency_key.empty() && r.refusal->body.find("client_msg_id") != std::string::npos) {
        // Said in the HTTP API's words: the header plays client_msg_id's part.
        std::string msg = "Idempotency-Key must be 1 to " + std::to_string(limits.max_client_msg_id_chars) +
                          " characters";
        r.refusal = error_reply(ErrorCode::bad_request, msg);
      }
      return r;
    }
    return not_allowed("GET, POST");
  }
  return refuse(404, ErrorCode::not_found, "no such path");
}

}  // namespace techpulse::gateway::dialect::http_v1
