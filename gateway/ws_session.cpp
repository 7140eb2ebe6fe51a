#include "gateway/ws_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>

#include "gateway/jwt.hpp"
#include "gateway/log.hpp"
#include "protocol/uuid.hpp"
#include "storage/assistant_store.hpp"

namespace techpulse::gateway {

namespace websocket = beast::websocket;
namespace http = beast::http;
using protocol::ErrorCode;

namespace {

constexpr size_t kMaxSendsInFlight = 1000;
constexpr int kReplayPage = 500;

// Runs a storage coroutine on the storage loop and resumes on the caller's loop.
template <class T>
asio::awaitable<T> on_store(storage::ChatStore& store, asio::awaitable<T> op) {
  co_return co_await asio::co_spawn(store.executor(), std::move(op), asio::use_awaitable);
}

std::string message_role(const std::string& profile_role) {
  return profile_role == "customer" ? "user" : "technician";  // staff (technicians, admins) write as technician
}

}  // namespace

WsSession::WsSession(Services& svc, Loop& loop, beast::tcp_stream stream, Identity who, ConnectionSlot slot)
    : svc_(svc),
      loop_(loop),
      ws_(std::move(stream)),
      who_(std::move(who)),
      session_id_(protocol::new_uuid()),
      tokens_(svc.config.rate_limit_burst),
      refilled_at_(std::chrono::steady_clock::now()),
      slot_(std::move(slot)) {
  limits_.max_content_bytes = svc.config.max_content_bytes;
  limits_.max_title_chars = svc.config.max_title_chars;
  limits_.max_metadata_bytes = svc.config.max_metadata_bytes;
  svc_.server.session_opened();
  ws_.next_layer().set_backlog(&loop_.inbox_pending);
}

WsSession::~WsSession() {
  cleanup();
  svc_.server.session_closed();
}

void WsSession::start(http::request<http::string_body> req, bool echo_subprotocol) {
  ws_.next_layer().set_owner(weak_from_this());
  asio::co_spawn(loop_.ioc, run(std::move(req), echo_subprotocol), asio::detached);
}

asio::awaitable<void> WsSession::run(http::request<http::string_body> req, bool echo_subprotocol) {
  auto self = shared_from_this();
  const auto& cfg = svc_.config;
  beast::get_lowest_layer(ws_).expires_never();  // the websocket timeouts below take over
  websocket::stream_base::timeout t{};
  t.handshake_timeout = std::chrono::milliseconds(cfg.handshake_timeout_ms);
  // A ping every heartbeat_ms; a client silent for two intervals is closed.
  t.idle_timeout = std::chrono::milliseconds(2 * cfg.heartbeat_ms);
  t.keep_alive_pings = true;
  ws_.set_option(t);
  ws_.set_option(websocket::stream_base::decorator([echo_subprotocol](websocket::response_type& res) {
    res.set(http::field::server, "techpulse-gateway");
    if (echo_subprotocol) res.set(http::field::sec_websocket_protocol, "techpulse.v1");
  }));
  ws_.read_message_max(cfg.max_frame_bytes);
  ws_.auto_fragment(false);
  ws_.text(true);

  boost::system::error_code ec;
  co_await ws_.async_accept(req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    log(Level::debug, "ws_accept_failed", "error={}", quoted(ec.message()));
    co_return;
  }
  {
    // The upgrade request (headers, the token) stays in this coroutine's frame for the whole session: free it.
    auto done = std::move(req);
  }
  loop_.hub.add_session(this);
  log(Level::info, "session_open", "session={} user={} role={} loop={}", session_id_, who_.user_id, who_.role,
      loop_.index);
  reply(protocol::encode_welcome(session_id_, who_.user_id, who_.role, cfg.heartbeat_ms));
  arm_expiry();

  for (;;) {
    buffer_.clear();
    co_await ws_.async_read(buffer_, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    if (!ws_.got_text()) {
      close_with(websocket::close_code::unknown_data, "binary frames are not supported");
      break;
    }
    auto data = buffer_.cdata();
    std::string_view text(static_cast<const char*>(data.data()), data.size());
    co_await handle(text);
    if (closing_) break;
  }
  // Reads may still be needed to complete a close handshake the server started; the close timer ends it.
  log(Level::info, "session_close", "session={} reason={}", session_id_,
      quoted(ec ? ec.message() : std::string("server closed")));
  cleanup();
  // The read ended because the connection is over (closed or broken): the grace timer need not keep this session
  // alive. (When the loop ended on closing_, a close handshake may still be under way: the timer bounds it.)
  if (ec && close_timer_) close_timer_->cancel();
}

void WsSession::cleanup() {
  if (cleaned_) return;
  cleaned_ = true;
  for (auto& [topic, sub] : subs_) loop_.hub.remove(sub);
  subs_.clear();
  loop_.hub.remove_session(this);
}

void WsSession::push(const Frame& frame) {
  if (closing_) return;
  const auto& cfg = svc_.config;
  auto& out = ws_.next_layer();
  if (out.queued_frames() >= cfg.max_queue_frames || out.queued_bytes() + frame->size() > cfg.max_queue_bytes) {
    log(Level::warn, "slow_consumer", "session={} queued_frames={} queued_bytes={}", session_id_, out.queued_frames(),
        out.queued_bytes());
    close_with(websocket::close_code::policy_error, "slow consumer");
    return;
  }
  // No copy: the frame's payload is shared by every recipient, and the CorkedStream writes it with its header.
  out.enqueue_text(frame);
}

void WsSession::close_with(uint16_t code, std::string_view reason) {
  if (closing_) return;
  closing_ = true;
  // Free queued frames now, keeping those a write may still be reading from.
  ws_.next_layer().drop_pending_frames();
  cleanup();
  auto self = shared_from_this();
  if (expiry_timer_) expiry_timer_->cancel();
  log(Level::debug, "session_closing", "session={} code={} reason={}", session_id_, code, quoted(reason));
  ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), std::string(reason)),
                  [self](boost::system::error_code) {});
  // A client that does not read never lets the close frame out: drop the TCP connection after a grace period.
  close_timer_ = std::make_unique<asio::steady_timer>(loop_.ioc, std::chrono::seconds(2));
  close_timer_->async_wait([self](boost::system::error_code ec) {
    if (ec) return;
    boost::system::error_code ignore;
    beast::get_lowest_layer(self->ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignore);
    beast::get_lowest_layer(self->ws_).socket().close(ignore);
  });
}

void WsSession::reply(std::string text) { push(std::make_shared<const std::string>(std::move(text))); }

void WsSession::error(std::string_view ref, ErrorCode code, std::string_view message) {
  reply(protocol::encode_error(ref, code, message));
}

void WsSession::db_error(std::string_view ref, const storage::PgError& e) {
  if (e.unavailable()) {
    error(ref, ErrorCode::unavailable, "the database is unreachable; retry later");
  } else {
    log(Level::error, "db_error", "session={} sqlstate={} message={}", session_id_, e.sqlstate, quoted(e.message));
    error(ref, ErrorCode::internal, "internal error");
  }
}

bool WsSession::take_token() {
  const auto& cfg = svc_.config;
  if (cfg.rate_limit_per_s == 0) return true;
  auto now = std::chrono::steady_clock::now();
  double elapsed = std::chrono::duration<double>(now - refilled_at_).count();
  refilled_at_ = now;
  tokens_ = std::min<double>(cfg.rate_limit_burst, tokens_ + elapsed * cfg.rate_limit_per_s);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

bool WsSession::has_room() const {
  const auto& cfg = svc_.config;
  const auto& out = ws_.next_layer();
  return out.queued_frames() <= cfg.max_queue_frames / 2 && out.queued_bytes() <= cfg.max_queue_bytes / 2;
}

asio::awaitable<void> WsSession::wait_for_room() {
  // Bounded by the session itself: a client that stops reading stops answering pings and is closed by the idle
  // timeout, which sets closing_.
  while (!has_room() && !closing_) {
    asio::steady_timer t(loop_.ioc, std::chrono::milliseconds(2));
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void WsSession::drain() {
  if (closing_ || draining_) return;
  draining_ = true;
  std::weak_ptr<WsSession> weak = shared_from_this();
  ws_.next_layer().set_on_idle([weak] {
    if (auto self = weak.lock()) self->finish_drain_if_done();
  });
  log(Level::debug, "session_draining", "session={} sends_in_flight={}", session_id_, sends_in_flight_);
  finish_drain_if_done();
}

void WsSession::finish_drain_if_done() {
  // Every ack of a send in flight must be on the wire before the close frame.
  if (closing_ || sends_in_flight_ > 0 || ws_.next_layer().queued_frames() > 0) return;
  close_with(beast::websocket::close_code::going_away, "server shutting down");
}

asio::awaitable<void> WsSession::handle(std::string_view text) {
  auto parsed = protocol::parse_client_frame(text, limits_);
  const auto* perr = std::get_if<protocol::ProtocolError>(&parsed);
  if (!take_token()) {
    // Nothing of this frame is acted on or stored.
    error(perr ? perr->ref : std::get<protocol::ClientFrame>(parsed).ref, ErrorCode::rate_limited,
          fmt::format("more than {} frames per second (burst {}); slow down", svc_.config.rate_limit_per_s,
                      svc_.config.rate_limit_burst));
    co_return;
  }
  if (perr) {
    error(perr->ref, perr->code, perr->message);
    co_return;
  }
  const auto& f = std::get<protocol::ClientFrame>(parsed);
  if (draining_ && f.type != protocol::FrameType::ping) {
    error(f.ref, ErrorCode::unavailable, "the server is shutting down; reconnect and retry");
    co_return;
  }
  switch (f.type) {
    case protocol::FrameType::ping: reply(protocol::encode_pong(f.ref)); break;
    case protocol::FrameType::subscribe: co_await on_subscribe(f); break;
    case protocol::FrameType::unsubscribe: co_await on_unsubscribe(f); break;
    case protocol::FrameType::send: on_send(f); break;
    case protocol::FrameType::history: co_await on_history(f); break;
    case protocol::FrameType::typing: co_await on_typing(f); break;
    case protocol::FrameType::thread_create: co_await on_thread_create(f); break;
    case protocol::FrameType::thread_update: co_await on_thread_update(f); break;
    case protocol::FrameType::threads_list: co_await on_threads_list(f); break;
    case protocol::FrameType::assistant_cancel: co_await on_assistant_cancel(f); break;
    case protocol::FrameType::auth: on_auth(f); break;
  }
}

asio::awaitable<bool> WsSession::authorize_thread(const std::string& ref, const std::string& thread_id) {
  auto a = co_await on_store(svc_.store, svc_.store.thread_access(who_.user_id, thread_id));
  if (!a.ok()) {
    db_error(ref, a.error);
    co_return false;
  }
  if (!a.value->exists) {
    error(ref, ErrorCode::not_found, "thread not found");
    co_return false;
  }
  if (!a.value->allowed) {
    log(Level::warn, "forbidden", "session={} user={} thread={}", session_id_, who_.user_id, thread_id);
    error(ref, ErrorCode::forbidden, "you may not use this thread");
    co_return false;
  }
  co_return true;
}

std::shared_ptr<Subscription> WsSession::register_subscription(const std::string& name, const protocol::Topic& topic) {
  auto sub = std::make_shared<Subscription>();
  sub->owner = this;
  sub->kind = topic.kind;
  sub->key = topic.id;
  // What arrives during set-up fits in the outbound queue next to a half-full replay; beyond that it is re-read.
  sub->max_pending = std::max<size_t>(1, svc_.config.max_queue_frames / 4);
  sub->max_pending_bytes = std::max<size_t>(1, svc_.config.max_queue_bytes / 4);
  subs_[name] = sub;
  loop_.hub.add(sub);
  return sub;
}

asio::awaitable<void> WsSession::on_subscribe(const protocol::ClientFrame& f) {
  auto topic = protocol::parse_topic(f.topic);
  if (!topic) {
    error(f.ref, ErrorCode::bad_request, "topic must be thread:<uuid>, ticket:<uuid> or user:<uuid>");
    co_return;
  }
  if (topic->kind != protocol::TopicKind::thread && f.since) {
    error(f.ref, ErrorCode::bad_request, "since is only supported on thread:<uuid> topics");
    co_return;
  }
  std::string name = topic->str();
  if (subs_.count(name)) {
    error(f.ref, ErrorCode::conflict, "already subscribed to this topic");
    co_return;
  }
  if (subs_.size() >= svc_.config.max_subscriptions) {
    error(f.ref, ErrorCode::too_large,
          fmt::format("a session may hold at most {} subscriptions", svc_.config.max_subscriptions));
    co_return;
  }

  if (topic->kind == protocol::TopicKind::user) {
    if (topic->id != who_.user_id) {
      log(Level::warn, "forbidden", "session={} user={} topic={}", session_id_, who_.user_id, name);
      error(f.ref, ErrorCode::forbidden, "user:<uuid> topics are only open to that user");
      co_return;
    }
    auto sub = register_subscription(name, *topic);
    sub->live = true;
    reply(protocol::encode_subscribed(f.ref, name));
    co_return;
  }
  if (topic->kind == protocol::TopicKind::ticket) {
    co_await subscribe_ticket(f, *topic);
    co_return;
  }

  // Register first (buffering), then read the cursor: a message committed after that snapshot is either in the
  // buffer or fetched by the next round, so `subscribed` really means live.
  auto sub = register_subscription(name, *topic);
  auto abandon = [&] {
    loop_.hub.remove(sub);
    subs_.erase(name);
  };

  auto& store = svc_.store;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(svc_.config.db_timeout_ms);
  auto epoch = svc_.listener.epoch();
  auto access = co_await on_store(store, store.thread_access(who_.user_id, topic->id));
  if (closing_) co_return;
  if (!access.ok()) {
    abandon();
    db_error(f.ref, access.error);
    co_return;
  }
  if (!access.value->exists || !access.value->allowed) {
    abandon();
    if (!access.value->exists) {
      error(f.ref, ErrorCode::not_found, "thread not found");
    } else {
      log(Level::warn, "forbidden", "session={} user={} topic={}", session_id_, who_.user_id, name);
      error(f.ref, ErrorCode::forbidden, "you may not subscribe to this thread");
    }
    co_return;
  }
  int64_t cursor = access.value->last_seq;
  bool replay = f.since.has_value();
  if (replay) {
    if (*f.since > cursor) {
      abandon();
      error(f.ref, ErrorCode::bad_request, "since is ahead of the thread's newest message");
      co_return;
    }
    cursor = *f.since;
  }
  // Replay rounds: page through the table until the page is short and the listener was listening throughout.
  bool need_round = replay;
  for (;;) {
    while (need_round) {
      auto page = co_await on_store(store, store.messages_after(topic->id, cursor, kReplayPage));
      if (closing_) co_return;
      if (!page.ok()) {
        abandon();
        db_error(f.ref, page.error);
        co_return;
      }
      for (auto& m : page.value->first) {
        if (replay) {
          if (!has_room()) co_await wait_for_room();
          if (closing_) co_return;
          reply(protocol::encode_message(name, m.seq, m.json, true));
        }
        cursor = m.seq;
      }
      if (closing_) co_return;
      // A long replay at the client's pace is progress, not a stall: the deadline counts from the last page.
      if (!page.value->first.empty()) {
        deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(svc_.config.db_timeout_ms);
      }
      need_round = page.value->first.size() == static_cast<size_t>(kReplayPage);
      if (!need_round) cursor = std::max(cursor, page.value->second);
    }
    auto now_epoch = svc_.listener.epoch();
    if (storage::Listener::listening(epoch) && now_epoch == epoch && !sub->pending_overflow) break;
    // The listener was not listening for part of the time: what it missed is in the table. Wait for it to be
    // back, then read once more from the cursor.
    if (std::chrono::steady_clock::now() > deadline) {
      abandon();
      error(f.ref, ErrorCode::unavailable, "realtime delivery is reconnecting to the database; retry");
      co_return;
    }
    if (!storage::Listener::listening(now_epoch)) {
      asio::steady_timer t(loop_.ioc, std::chrono::milliseconds(50));
      boost::system::error_code ec;
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (closing_) co_return;
      continue;
    }
    epoch = now_epoch;
    sub->clear_pending();
    need_round = true;
  }
  reply(protocol::encode_subscribed(f.ref, name, cursor));
  sub->last_seq = cursor;
  sub->live = true;
  auto pending = std::move(sub->pending);
  sub->clear_pending();
  for (auto& p : pending) sub->offer(p.thread_id, p.seq, p.frame);
}

asio::awaitable<void> WsSession::subscribe_ticket(const protocol::ClientFrame& f, const protocol::Topic& topic) {
  std::string name = topic.str();
  auto sub = register_subscription(name, topic);
  auto abandon = [&] {
    loop_.hub.remove(sub);
    subs_.erase(name);
  };
  auto& store = svc_.store;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(svc_.config.db_timeout_ms);
  for (;;) {
    auto epoch = svc_.listener.epoch();
    auto access = co_await on_store(store, store.ticket_access(who_.user_id, topic.id));
    if (closing_) co_return;
    if (!access.ok()) {
      abandon();
      db_error(f.ref, access.error);
      co_return;
    }
    if (!access.value->exists) {
      abandon();
      error(f.ref, ErrorCode::not_found, "ticket not found");
      co_return;
    }
    if (!access.value->allowed) {
      abandon();
      log(Level::warn, "forbidden", "session={} user={} topic={}", session_id_, who_.user_id, name);
      error(f.ref, ErrorCode::forbidden, "only the assigned technician and admins may subscribe to this ticket");
      co_return;
    }
    sub->thread_seq.clear();
    for (auto& [thread, seq] : access.value->threads) sub->thread_seq[thread] = seq;
    if (storage::Listener::listening(epoch) && svc_.listener.epoch() == epoch && !sub->pending_overflow) break;
    // The listener was away during the snapshot: take it again once the listener is back.
    if (std::chrono::steady_clock::now() > deadline) {
      abandon();
      error(f.ref, ErrorCode::unavailable, "realtime delivery is reconnecting to the database; retry");
      co_return;
    }
    sub->clear_pending();
    asio::steady_timer t(loop_.ioc, std::chrono::milliseconds(50));
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (closing_) co_return;
  }
  reply(protocol::encode_subscribed(f.ref, name));
  sub->live = true;
  auto pending = std::move(sub->pending);
  sub->clear_pending();
  for (auto& p : pending) sub->offer(p.thread_id, p.seq, p.frame);
}

void WsSession::on_auth(const protocol::ClientFrame& f) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto v = verify_jwt(f.access_token, svc_.config.jwt_secret, now);
  if (auto* why = std::get_if<std::string>(&v)) {
    log(Level::warn, "auth_refused", "session={} user={} reason={}", session_id_, who_.user_id, quoted(*why));
    error(f.ref, ErrorCode::unauthorized, *why);
    return;
  }
  auto& claims = std::get<Claims>(v);
  if (claims.sub != who_.user_id) {
    log(Level::warn, "auth_refused", "session={} user={} reason=\"token for another user\"", session_id_, who_.user_id);
    error(f.ref, ErrorCode::unauthorized, "the token is for another user");
    return;
  }
  who_.exp = claims.exp;
  arm_expiry();
  reply(protocol::encode_authenticated(f.ref, claims.exp));
}

void WsSession::arm_expiry() {
  // In whole seconds: a token may carry any exp up to INT64_MAX, which a nanosecond time_point cannot hold (the
  // conversion overflowed and closed such sessions at once). No session lives 100 years, so waits are capped there.
  constexpr int64_t kMaxWaitSeconds = int64_t{100} * 365 * 24 * 3600;
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  const int64_t left = who_.exp > now ? std::min(who_.exp - now, kMaxWaitSeconds) : 0;
  if (!expiry_timer_) expiry_timer_ = std::make_unique<asio::steady_timer>(loop_.ioc);
  expiry_timer_->expires_after(std::chrono::seconds(left));
  std::weak_ptr<WsSession> weak = shared_from_this();
  expiry_timer_->async_wait([weak](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->closing_) return;
    log(Level::info, "token_expired", "session={} user={}", self->session_id_, self->who_.user_id);
    self->error("", ErrorCode::unauthorized, "token expired; reconnect with a new token or renew it with auth");
    self->close_with(kCloseTokenExpired, "token expired");
  });
}

void WsSession::recheck_access() {
  if (closing_ || cleaned_) return;
  if (rechecking_) {
    recheck_again_ = true;
    return;
  }
  rechecking_ = true;
  asio::co_spawn(loop_.ioc, run_recheck(), asio::detached);
}

void WsSession::revoke(const std::string& topic) {
  auto it = subs_.find(topic);
  if (it == subs_.end() || !it->second->live) return;
  loop_.hub.remove(it->second);
  subs_.erase(it);
  log(Level::warn, "forbidden", "session={} user={} topic={} action=revoke", session_id_, who_.user_id, topic);
  reply(protocol::encode_unsubscribed({}, topic, "forbidden"));
}

asio::awaitable<void> WsSession::run_recheck() {
  auto self = shared_from_this();
  do {
    recheck_again_ = false;
    std::vector<std::string> threads, tickets;
    for (const auto& [topic, sub] : subs_) {
      if (!sub->live) continue;
      if (sub->kind == protocol::TopicKind::thread) threads.push_back(sub->key);
      if (sub->kind == protocol::TopicKind::ticket) tickets.push_back(sub->key);
    }
    auto r = co_await on_store(svc_.store, svc_.store.recheck_access(who_.user_id, threads, tickets));
    if (closing_) break;
    if (!r.ok()) {
      // The listener re-checks every session after it reconnects, so an outage does not leave stale access.
      log(Level::warn, "recheck_failed", "session={} error={}", session_id_, quoted(r.error.message));
      break;
    }
    if (!r.value->role) {
      error("", ErrorCode::unauthorized, "the profile of this session no longer exists");
      close_with(kCloseTokenExpired, "profile removed");
      break;
    }
    who_.role = *r.value->role;
    for (const auto& t : r.value->denied_threads) revoke("thread:" + t);
    for (const auto& t : r.value->denied_tickets) revoke("ticket:" + t);
  } while (recheck_again_ && !closing_);
  rechecking_ = false;
}

asio::awaitable<void> WsSession::on_unsubscribe(const protocol::ClientFrame& f) {
  auto topic = protocol::parse_topic(f.topic);
  if (!topic) {
    error(f.ref, ErrorCode::bad_request, "topic must be thread:<uuid>, ticket:<uuid> or user:<uuid>");
    co_return;
  }
  auto it = subs_.find(topic->str());
  if (it == subs_.end()) {
    error(f.ref, ErrorCode::not_found, "not subscribed to this topic");
    co_return;
  }
  if (!it->second->live) {
    error(f.ref, ErrorCode::conflict, "the subscription is still being set up");
    co_return;
  }
  loop_.hub.remove(it->second);
  subs_.erase(it);
  reply(protocol::encode_unsubscribed(f.ref, topic->str()));
}

void WsSession::on_send(const protocol::ClientFrame& f) {
  if (sends_in_flight_ >= kMaxSendsInFlight) {
    error(f.ref, ErrorCode::rate_limited, "too many sends waiting for their ack");
    return;
  }
  ++sends_in_flight_;
  storage::NewMessage m{protocol::new_uuid(), f.thread_id, who_.user_id, message_role(who_.role), f.content,
                        f.message_type, f.metadata, f.client_msg_id};
  std::weak_ptr<WsSession> weak = shared_from_this();
  auto& ioc = loop_.ioc;
  auto& store = svc_.store;
  asio::post(store.executor(), [&store, &ioc, weak, m = std::move(m), ref = f.ref, thread = f.thread_id]() mutable {
    store.submit(std::move(m), [&ioc, weak, ref, thread](storage::SendOutcome o) {
      asio::post(ioc, [weak, ref, thread, o = std::move(o)] {
        auto self = weak.lock();
        if (!self) return;
        --self->sends_in_flight_;
        struct DrainCheck {
          WsSession* s;
          ~DrainCheck() {
            if (s->draining_) s->finish_drain_if_done();
          }
        } drain_check{self.get()};
        using S = storage::SendOutcome;
        switch (o.status) {
          case S::ok:
          case S::duplicate:
            self->reply(protocol::encode_ack(ref, {o.message_id, thread, o.seq, o.created_at, o.status == S::duplicate}));
            break;
          case S::not_found: self->error(ref, ErrorCode::not_found, "thread not found"); break;
          case S::forbidden:
            log(Level::warn, "forbidden", "session={} user={} thread={} action=send", self->session_id_,
                self->who_.user_id, thread);
            self->error(ref, ErrorCode::forbidden, "you may not write to this thread");
            break;
          case S::unavailable: self->error(ref, ErrorCode::unavailable, o.detail); break;
          case S::invalid: self->error(ref, ErrorCode::bad_request, o.detail); break;
          case S::internal:
            log(Level::error, "send_failed", "session={} detail={}", self->session_id_, quoted(o.detail));
            self->error(ref, ErrorCode::internal, "internal error");
            break;
        }
      });
    });
  });
}

asio::awaitable<void> WsSession::on_history(const protocol::ClientFrame& f) {
  bool allowed = co_await authorize_thread(f.ref, f.thread_id);
  if (!allowed) co_return;
  auto r = co_await on_store(svc_.store, svc_.store.history(f.thread_id, f.before, f.limit));
  if (!r.ok()) {
    db_error(f.ref, r.error);
    co_return;
  }
  protocol::HistoryPage page;
  page.has_more = r.value->second;
  for (auto& m : r.value->first) page.messages_json.push_back(std::move(m.json));
  if (!r.value->first.empty()) page.next_before = r.value->first.front().seq;
  reply(protocol::encode_history(f.ref, f.thread_id, page));
}

asio::awaitable<void> WsSession::on_typing(const protocol::ClientFrame& f) {
  // A live subscription was authorized when it was made; otherwise ask the database.
  bool subscribed = false;
  if (auto it = subs_.find("thread:" + f.thread_id); it != subs_.end() && it->second->live) subscribed = true;
  if (!subscribed) {
    bool allowed = co_await authorize_thread(f.ref, f.thread_id);
    if (!allowed) co_return;
  }
  auto r = co_await on_store(svc_.store, svc_.store.notify_typing(f.thread_id, who_.user_id, session_id_));
  if (!r.ok()) db_error(f.ref, r.error);
}

asio::awaitable<void> WsSession::on_thread_create(const protocol::ClientFrame& f) {
  auto& store = svc_.store;
  if (!f.ticket_id.empty()) {
    auto t = co_await on_store(store, store.ticket_exists(f.ticket_id));
    if (!t.ok()) {
      db_error(f.ref, t.error);
      co_return;
    }
    if (!*t.value) {
      error(f.ref, ErrorCode::not_found, "ticket not found");
      co_return;
    }
  }
  auto r = co_await on_store(store, store.create_thread(who_.user_id, f.title, f.ticket_id, f.assistant.value_or(true)));
  if (!r.ok()) {
    db_error(f.ref, r.error);
    co_return;
  }
  reply(protocol::encode_thread(f.ref, *r.value));
}

asio::awaitable<void> WsSession::on_thread_update(const protocol::ClientFrame& f) {
  bool allowed = co_await authorize_thread(f.ref, f.thread_id);
  if (!allowed) co_return;
  auto r = co_await on_store(svc_.store, svc_.store.update_thread(f.thread_id, f.title, f.assistant));
  if (!r.ok()) {
    db_error(f.ref, r.error);
    co_return;
  }
  if (!*r.value) {
    error(f.ref, ErrorCode::not_found, "thread not found");
    co_return;
  }
  reply(protocol::encode_thread(f.ref, **r.value));
}

asio::awaitable<void> WsSession::on_threads_list(const protocol::ClientFrame& f) {
  auto r = co_await on_store(svc_.store, svc_.store.list_threads(who_.user_id, f.before_token, f.limit));
  if (!r.ok()) {
    if (r.error.sqlstate.rfind("22", 0) == 0) {
      error(f.ref, ErrorCode::bad_request, "before must be the next_before of a threads reply");
    } else {
      db_error(f.ref, r.error);
    }
    co_return;
  }
  reply(protocol::encode_threads(f.ref, r.value->threads_json, r.value->has_more, r.value->next_before));
}

asio::awaitable<void> WsSession::on_assistant_cancel(const protocol::ClientFrame& f) {
  bool allowed = co_await authorize_thread(f.ref, f.thread_id);
  if (!allowed) co_return;
  // The turn's worker, on whichever node, ends it with assistant.error code `cancelled`: no direct reply.
  auto r = co_await on_store(svc_.store, storage::cancel_assistant(svc_.store.pool(), who_.user_id, f.thread_id));
  if (!r.ok()) {
    db_error(f.ref, r.error);
    co_return;
  }
  if (!r.value->allowed) {
    error(f.ref, ErrorCode::forbidden, "you may not use this thread");
  } else if (r.value->jobs == 0) {
    error(f.ref, ErrorCode::not_found, "no assistant turn is running in this thread");
  }
}

}  // namespace techpulse::gateway
