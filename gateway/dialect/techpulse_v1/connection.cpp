#include "gateway/dialect/techpulse_v1/connection.hpp"

#include "protocol/conversation_frames.hpp"
#include "protocol/desk_frames.hpp"
#include "protocol/events.hpp"

namespace techpulse::gateway::dialect::techpulse_v1 {

namespace calls = realtime::calls;

Connection::Connection(Wire& wire, realtime::Services& svc, realtime::Loop& loop, realtime::Identity who)
    : wire_(wire), encoder_(encoder()) {
  limits_.max_content_bytes = svc.config.max_content_bytes;
  limits_.max_title_chars = svc.config.max_title_chars;
  limits_.max_metadata_bytes = svc.config.max_metadata_bytes;
  core_ = std::make_shared<realtime::Session>(svc, loop, std::move(who), *this, wire);
}

Connection::~Connection() { core_->close(); }

boost::asio::awaitable<void> Connection::on_text(std::string_view text) {
  auto parsed = protocol::parse_client_frame(text, limits_);
  const auto* perr = std::get_if<protocol::ProtocolError>(&parsed);
  const bool is_send = perr ? perr->type == "send" : std::get<protocol::ClientFrame>(parsed).type == protocol::FrameType::send;
  if (!core_->admit_frame(perr ? perr->ref : std::get<protocol::ClientFrame>(parsed).ref, is_send)) co_return;
  if (perr) {
    if (is_send) metrics::send(metrics::SendOutcome::invalid);  // the parser's verdict on a send frame
    error(perr->ref, perr->code, perr->message);
    co_return;
  }
  co_await core_->handle(to_call(std::move(std::get<protocol::ClientFrame>(parsed))));
}

boost::asio::awaitable<void> Connection::on_binary(std::string_view) {
  wire_.close(1003, "binary frames are not supported", metrics::CloseReason::error);
  co_return;
}

calls::Call to_call(protocol::ClientFrame f) {
  using T = protocol::FrameType;
  switch (f.type) {
    case T::ping: return calls::Ping{std::move(f.ref)};
    case T::subscribe: return calls::Subscribe{std::move(f.ref), std::move(f.topic), f.since};
    case T::unsubscribe: return calls::Unsubscribe{std::move(f.ref), std::move(f.topic)};
    case T::send:
      return calls::Send{std::move(f.ref),          std::move(f.thread_id), std::move(f.content),
                         std::move(f.message_type), std::move(f.metadata),  std::move(f.client_msg_id)};
    case T::history: return calls::History{std::move(f.ref), std::move(f.thread_id), f.before, f.limit, f.after};
    case T::typing: return calls::Typing{std::move(f.ref), std::move(f.thread_id)};
    case T::thread_create:
      return calls::ThreadCreate{std::move(f.ref), std::move(f.title), std::move(f.ticket_id), f.assistant};
    case T::thread_update:
      return calls::ThreadUpdate{std::move(f.ref), std::move(f.thread_id), std::move(f.title), f.assistant,
                                 f.ticket_id_set ? std::optional<std::string>(std::move(f.ticket_id)) : std::nullopt};
    case T::threads_list: return calls::ThreadsList{std::move(f.ref), std::move(f.before_token), f.limit};
    case T::assistant_cancel: return calls::AssistantCancel{std::move(f.ref), std::move(f.thread_id)};
    case T::auth: return calls::RenewAuth{std::move(f.ref), std::move(f.access_token)};
    case T::message_edit: return calls::MessageEdit{std::move(f.ref), std::move(f.message_id), std::move(f.content)};
    case T::message_delete: return calls::MessageDelete{std::move(f.ref), std::move(f.message_id)};
    case T::read: return calls::Read{std::move(f.ref), std::move(f.thread_id), f.cursor.value_or(0)};
    case T::search:
      return calls::Search{std::move(f.ref), std::move(f.query), std::move(f.thread_id), f.limit,
                           std::move(f.before_token)};
    case T::handoff: return calls::Handoff{std::move(f.ref), std::move(f.thread_id), std::move(f.reason)};
    case T::ticket_claim: return calls::TicketClaim{std::move(f.ref), std::move(f.ticket_id)};
    case T::ticket_assign:
      return calls::TicketAssign{std::move(f.ref), std::move(f.ticket_id), std::move(f.technician_id)};
    case T::analytics_summary: return calls::AnalyticsSummary{std::move(f.ref), std::move(f.from), std::move(f.to)};
  }
  return calls::Ping{std::move(f.ref)};  // unreachable: the parser knows only these types
}

void Connection::reply(std::string text) { wire_.send(std::make_shared<const std::string>(std::move(text))); }

void Connection::welcome(const realtime::Welcome& w) {
  reply(protocol::encode_welcome(w.session_id, w.user_id, w.role, w.heartbeat_ms));
}

void Connection::pong(std::string_view ref) { reply(protocol::encode_pong(ref)); }

void Connection::error(std::string_view ref, realtime::ErrorCode code, std::string_view message) {
  reply(protocol::encode_error(ref, code, message));
}

void Connection::subscribed(std::string_view ref, std::string_view topic, std::optional<int64_t> cursor) {
  reply(cursor ? protocol::encode_subscribed(ref, topic, *cursor) : protocol::encode_subscribed(ref, topic));
}

void Connection::unsubscribed(std::string_view ref, std::string_view topic, std::string_view reason) {
  reply(protocol::encode_unsubscribed(ref, topic, reason));
}

void Connection::replayed(std::string_view topic, int64_t seq, std::string_view message_json) {
  reply(protocol::encode_message(topic, seq, message_json, true));
}

void Connection::ack(std::string_view ref, std::string_view thread_id, std::string_view message_id, int64_t cursor,
                     std::string_view created_at, bool duplicate) {
  reply(protocol::encode_ack(ref, {std::string(message_id), std::string(thread_id), cursor, std::string(created_at),
                                   duplicate}));
}

void Connection::history(std::string_view ref, std::string_view thread_id,
                         const std::vector<std::string>& messages_json, bool has_more, int64_t next_before) {
  reply(protocol::encode_history(ref, thread_id, {messages_json, has_more, next_before}));
}

void Connection::thread(std::string_view ref, std::string_view thread_json) {
  reply(protocol::encode_thread(ref, thread_json));
}

void Connection::threads(std::string_view ref, const std::vector<std::string>& threads_json, bool has_more,
                         std::string_view next_before) {
  reply(protocol::encode_threads(ref, threads_json, has_more, next_before));
}

void Connection::authenticated(std::string_view ref, int64_t exp) { reply(protocol::encode_authenticated(ref, exp)); }

void Connection::close(realtime::CloseReason reason, std::string_view why) {
  const bool going_away = reason == realtime::CloseReason::going_away;
  wire_.close(going_away ? kCloseGoingAway : kCloseTokenExpired, why,
              going_away ? metrics::CloseReason::shutdown : metrics::CloseReason::unauthorized);
}

void Connection::ticket_subscribed(std::string_view ref, std::string_view topic,
                                   const std::vector<realtime::TicketThread>& threads) {
  std::vector<protocol::ThreadUnread> out;
  out.reserve(threads.size());
  for (const auto& t : threads) out.push_back({t.thread_id, t.cursor, t.unread, t.last_read, t.last_message_json});
  reply(protocol::encode_subscribed_ticket(ref, topic, out));
}

void Connection::replayed_change(std::string_view topic, int64_t seq, bool deleted, std::string_view message_json) {
  reply(protocol::encode_message_change(deleted, topic, seq, message_json, true));
}

void Connection::change_ack(std::string_view ref, bool deleted, std::string_view message_id,
                            std::string_view thread_id, int64_t cursor, std::string_view at, bool duplicate) {
  reply(protocol::encode_change_ack(ref, deleted, message_id, thread_id, cursor, at, duplicate));
}

void Connection::read(std::string_view ref, std::string_view thread_id, std::string_view user_id, int64_t cursor) {
  reply(protocol::encode_read(ref, {}, thread_id, user_id, cursor));
}

void Connection::presence_state(std::string_view topic, const std::vector<std::vector<std::string>>& metas_per_user) {
  reply(protocol::encode_presence_state(topic, metas_per_user));
}

void Connection::assistant_snapshot(std::string_view thread_id, std::string_view turn_id, std::string_view in_reply_to,
                                    int64_t index, std::string_view text) {
  reply(protocol::encode_assistant_snapshot(thread_id, turn_id, in_reply_to, index, text));
}

void Connection::search_results(std::string_view ref, std::string_view query,
                                const std::vector<realtime::SearchHit>& hits, bool has_more,
                                std::string_view next_before) {
  std::vector<protocol::SearchResult> out;
  out.reserve(hits.size());
  for (const auto& h : hits) out.push_back({h.message_json, h.thread_id, h.cursor, h.rank, h.snippet});
  reply(protocol::encode_search_results(ref, query, out, has_more, next_before));
}

}  // namespace techpulse::gateway::dialect::techpulse_v1

namespace techpulse::gateway::dialect::techpulse_v1 {

void Connection::handoff(std::string_view ref, std::string_view thread_id, std::string_view ticket_id, bool created,
                         bool duplicate, std::string_view ticket_json) {
  reply(protocol::encode_handoff(ref, thread_id, ticket_id, created, duplicate, ticket_json));
}

void Connection::ticket(std::string_view ref, std::string_view ticket_json, bool duplicate) {
  reply(protocol::encode_ticket_reply(ref, ticket_json, duplicate));
}

void Connection::analytics(std::string_view ref, std::string_view summary_json) {
  reply(protocol::encode_analytics(ref, summary_json));
}

void Connection::queue_subscribed(std::string_view ref, std::string_view topic, std::string_view tickets_json) {
  reply(protocol::encode_subscribed_queue(ref, topic, tickets_json));
}

}  // namespace techpulse::gateway::dialect::techpulse_v1
