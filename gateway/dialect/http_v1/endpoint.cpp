#include "gateway/dialect/http_v1/endpoint.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "gateway/jwt.hpp"
#include "protocol/json_writer.hpp"

namespace techpulse::gateway::dialect::http_v1 {

namespace asio = boost::asio;
namespace calls = realtime::calls;
using protocol::ErrorCode;

namespace {

std::string cursor_text(int64_t c) { return std::to_string(c); }

calls::Call message_get(const std::string& id) { return calls::MessageGet{"http", id}; }

Reply json_reply(int status, std::string body) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

Endpoint::Endpoint(realtime::Services& svc, realtime::Loop& loop)
    : svc_(svc), loop_(loop), bucket_(std::make_shared<realtime::RateBucket>()), wake_(loop.ioc) {
  limits_.max_content_bytes = svc.config.max_content_bytes;
  limits_.max_title_chars = svc.config.max_title_chars;
  limits_.max_metadata_bytes = svc.config.max_metadata_bytes;
}

Endpoint::~Endpoint() = default;

asio::awaitable<Reply> Endpoint::serve(Request req) {
  // Authentication first, as on the WebSocket: nothing about the request is answered to an unknown caller.
  std::string_view auth = req.authorization;
  if (auth.size() <= 7 || (auth.substr(0, 7) != "Bearer " && auth.substr(0, 7) != "bearer ")) {
    co_return error_reply(ErrorCode::unauthorized, "an access token is required (Authorization: Bearer <token>)");
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  auto verified = verify_jwt(auth.substr(7), svc_.config.jwt_secret, now);
  if (auto* why = std::get_if<std::string>(&verified)) co_return error_reply(ErrorCode::unauthorized, *why);
  const auto& claims = std::get<Claims>(verified);
  auto admission = co_await realtime::admit(svc_, claims.sub, claims.exp);
  if (admission.status != realtime::Admission::ok) {
    co_return error_reply(admission.status == realtime::Admission::unavailable ? ErrorCode::unavailable
                                                                               : ErrorCode::unauthorized,
                          admission.message);
  }

  auto routed = route(req, limits_);
  if (routed.refusal) co_return std::move(*routed.refusal);

  auto session = std::make_shared<realtime::Session>(svc_, loop_, std::move(admission.identity), *this, *this, bucket_);
  expect_ = routed.answer;
  acked_.reset();
  reply_.reset();
  if (!session->admit_frame("http")) {
    session->close();
    co_return reply_ ? std::move(*reply_) : error_reply(ErrorCode::rate_limited, "slow down");
  }
  co_await call(*session, std::move(*routed.call));
  if (expect_ == Answer::sent && acked_) {
    // The ack came after the commit; the reply carries the stored message as every reader will see it.
    // A named value, not a temporary in the co_await expression (g++ 12 miscompiles those).
    calls::Call get = message_get(acked_->message_id);
    co_await call(*session, std::move(get));
  }
  session->close();
  co_return std::move(*reply_);
}

asio::awaitable<void> Endpoint::call(realtime::Session& s, calls::Call c) {
  reply_.reset();
  waiting_ = true;
  co_await s.handle(std::move(c));
  if (!reply_) {
    // A send's ack arrives after the commit, posted to this loop: wait for it, bounded by the database deadline.
    wake_.expires_after(std::chrono::milliseconds(2 * svc_.config.db_timeout_ms + 1000));
    boost::system::error_code ec;
    co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  waiting_ = false;
  if (!reply_) reply_ = error_reply(ErrorCode::unavailable, "no reply from the database in time; retry");
}

void Endpoint::answer(Reply r) {
  if (!waiting_ || reply_) return;
  reply_ = std::move(r);
  wake_.cancel();
}

void Endpoint::error(std::string_view, realtime::ErrorCode code, std::string_view message) {
  if (!waiting_ && !reply_) {
    reply_ = error_reply(code, message);  // the rate limit answers before any call
    return;
  }
  answer(error_reply(code, message));
}

void Endpoint::ack(std::string_view, std::string_view, std::string_view message_id, int64_t cursor,
                   std::string_view, bool duplicate) {
  acked_ = Acked{std::string(message_id), cursor, duplicate};
  answer(json_reply(0, {}));  // replaced by the message's reply
}

void Endpoint::message(std::string_view, std::string_view message_json) {
  std::string out;
  protocol::JsonWriter w(out);
  w.begin_object().field_raw("message", message_json);
  if (acked_) w.field("cursor", cursor_text(acked_->cursor)).field("duplicate", acked_->duplicate);
  w.end_object();
  answer(json_reply(acked_ && acked_->duplicate ? 200 : 201, std::move(out)));
}

void Endpoint::history(std::string_view, std::string_view thread_id, const std::vector<std::string>& messages_json,
                       bool has_more, int64_t next) {
  std::string out;
  protocol::JsonWriter w(out);
  w.begin_object().field("thread_id", thread_id).begin_array("messages");
  for (const auto& m : messages_json) w.raw(m);
  w.end_array().field("has_more", has_more);
  if (expect_ == Answer::messages_fwd) {
    // Forward: where the next page starts, even when this one is the last (a back-end polls from there).
    w.field("next_after", cursor_text(next));
  } else if (has_more) {
    w.field("next_before", cursor_text(next));
  } else {
    w.field_null("next_before");
  }
  w.end_object();
  answer(json_reply(200, std::move(out)));
}

void Endpoint::handoff(std::string_view, std::string_view thread_id, std::string_view ticket_id, bool created,
                       bool duplicate, std::string_view ticket_json) {
  std::string out;
  protocol::JsonWriter w(out);
  w.begin_object().field("thread_id", thread_id).field("ticket_id", ticket_id).field("created", created);
  w.field("duplicate", duplicate).field_raw("ticket", ticket_json.empty() ? std::string_view("null") : ticket_json);
  w.end_object();
  answer(json_reply(created ? 201 : 200, std::move(out)));
}

void Endpoint::ticket(std::string_view, std::string_view ticket_json, bool duplicate) {
  std::string out;
  protocol::JsonWriter w(out);
  w.begin_object().field_raw("ticket", ticket_json).field("duplicate", duplicate).end_object();
  answer(json_reply(200, std::move(out)));
}

void Endpoint::analytics(std::string_view, std::string_view summary_json) {
  answer(json_reply(200, std::string(summary_json)));  // the object itself, as the frame's "summary"
}

void Endpoint::thread(std::string_view, std::string_view thread_json) {
  std::string out;
  protocol::JsonWriter w(out);
  w.begin_object().field_raw("thread", thread_json).end_object();
  answer(json_reply(expect_ == Answer::created ? 201 : 200, std::move(out)));
}

void Endpoint::threads(std::string_view, const std::vector<std::string>& threads_json, bool has_more,
                       std::string_view next_before) {
  std::string out;
  protocol::JsonWriter w(out);
  w.begin_object().begin_array("threads");
  for (const auto& t : threads_json) w.raw(t);
  w.end_array().field("has_more", has_more);
  if (has_more) {
    w.field("next_before", next_before);
  } else {
    w.field_null("next_before");
  }
  w.end_object();
  answer(json_reply(200, std::move(out)));
}

}  // namespace techpulse::gateway::dialect::http_v1
