#include "gateway/transport/ws_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>

#include "gateway/dialect/techpulse_v1/connection.hpp"
#include "gateway/log.hpp"

namespace techpulse::gateway {

namespace websocket = beast::websocket;
namespace http = beast::http;

template <class Next>
WsSession<Next>::WsSession(realtime::Services& svc, realtime::Loop& loop, Next stream, MakeDialect make_dialect,
                           ConnectionSlot slot, bool binary_allowed)
    : svc_(svc),
      loop_(loop),
      ws_(std::move(stream)),
      slot_(std::move(slot)),
      binary_allowed_(binary_allowed),
      dialect_(make_dialect(*this)) {
  ws_.next_layer().set_backlog(&loop_.inbox_pending);
}

template <class Next>
WsSession<Next>::~WsSession() { cleanup(); }

template <class Next>
void WsSession<Next>::start(http::request<http::string_body> req, bool echo_subprotocol) {
  ws_.next_layer().set_owner(weak_from_this());
  asio::co_spawn(loop_.ioc, run(std::move(req), echo_subprotocol), asio::detached);
}

template <class Next>
asio::awaitable<void> WsSession<Next>::run(http::request<http::string_body> req, bool echo_subprotocol) {
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
    if (echo_subprotocol) res.set(http::field::sec_websocket_protocol, dialect::techpulse_v1::kSubprotocol);
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
  opened_ = true;
  metrics::connection_opened();
  dialect_->open();

  for (;;) {
    buffer_.clear();
    co_await ws_.async_read(buffer_, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    auto data = buffer_.cdata();
    std::string_view bytes(static_cast<const char*>(data.data()), data.size());
    if (!ws_.got_text()) {
      if (!binary_allowed_) {
        count_close_as(metrics::CloseReason::error);
        close_with(websocket::close_code::unknown_data, "binary frames are not supported");
        break;
      }
      metrics::frame_in(bytes.size());
      co_await dialect_->on_binary(bytes);
    } else {
      metrics::frame_in(bytes.size());
      co_await dialect_->on_text(bytes);
    }
    if (closing_) break;
  }
  // Reads may still be needed to complete a close handshake the server started; the close timer ends it.
  log(Level::info, "session_close", "session={} reason={}", dialect_->label(),
      quoted(ec ? ec.message() : std::string("server closed")));
  if (ec == websocket::error::closed) count_close_as(metrics::CloseReason::normal);
  else if (ec == beast::error::timeout) count_close_as(metrics::CloseReason::idle);
  else if (ec == websocket::error::message_too_big) count_close_as(metrics::CloseReason::too_large);
  else count_close_as(metrics::CloseReason::error);
  cleanup();
  // The read ended because the connection is over (closed or broken): the grace timer need not keep this session
  // alive. (When the loop ended on closing_, a close handshake may still be under way: the timer bounds it.)
  if (ec && close_timer_) close_timer_->cancel();
}

template <class Next>
void WsSession<Next>::cleanup() {
  if (cleaned_) return;
  cleaned_ = true;
  if (opened_) metrics::connection_closed(close_reason_.value_or(metrics::CloseReason::error));
  dialect_->on_closed();
}

template <class Next>
bool WsSession<Next>::over_bounds(std::size_t extra_bytes) const {
  const auto& cfg = svc_.config;
  const auto& out = ws_.next_layer();
  return out.queued_frames() >= cfg.max_queue_frames || out.queued_bytes() + extra_bytes > cfg.max_queue_bytes;
}

template <class Next>
void WsSession<Next>::send(const Frame& frame) {
  queue(frame, false);
}

template <class Next>
void WsSession<Next>::send_binary(const Frame& frame) {
  queue(frame, true);
}

template <class Next>
void WsSession<Next>::queue(const Frame& frame, bool binary) {
  if (closing_) return;
  const auto& cfg = svc_.config;
  auto& out = ws_.next_layer();
  // The bounds protect memory from a client that does not read, and nothing else: a queue over them is only
  // judged after slow_consumer_ms without a completed write (a fast reader's burst or large reply passes), and
  // only a queue kHardQueueFactor times over them is closed at once.
  if (over_bounds(frame->size())) {
    if (out.queued_frames() >= kHardQueueFactor * cfg.max_queue_frames ||
        out.queued_bytes() + frame->size() > kHardQueueFactor * cfg.max_queue_bytes) {
      close_slow("hard bound");
      return;
    }
    if (!stall_timer_) watch_stall();
  }
  // No copy: the frame's payload is shared by every recipient, and the CorkedStream writes it with its header.
  if (binary) out.enqueue_binary(frame);
  else out.enqueue_text(frame);
  metrics::frame_out(frame->size());
}

template <class Next>
void WsSession<Next>::watch_stall() {
  stall_timer_ = std::make_unique<asio::steady_timer>(loop_.ioc, std::chrono::milliseconds(svc_.config.slow_consumer_ms));
  writes_at_arm_ = ws_.next_layer().writes_done();
  std::weak_ptr<WsSession<Next>> weak = shared_from_this();
  stall_timer_->async_wait([weak](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->closing_) return;
    self->stall_timer_.reset();
    if (!self->over_bounds(0)) return;  // drained below the bounds
    if (self->ws_.next_layer().writes_done() == self->writes_at_arm_) {
      self->close_slow("no write completed");
      return;
    }
    self->watch_stall();  // still over, but reading: judge the next interval
  });
}

template <class Next>
void WsSession<Next>::close_slow(const char* why) {
  const auto& out = ws_.next_layer();
  log(Level::warn, "slow_consumer", "session={} why={} queued_frames={} queued_bytes={}",
      dialect_->label(), quoted(why), out.queued_frames(), out.queued_bytes());
  count_close_as(metrics::CloseReason::slow_consumer);
  close_with(websocket::close_code::policy_error, "slow consumer");
}

template <class Next>
bool WsSession<Next>::has_room() const {
  const auto& cfg = svc_.config;
  const auto& out = ws_.next_layer();
  return out.queued_frames() <= cfg.max_queue_frames / 2 && out.queued_bytes() <= cfg.max_queue_bytes / 2;
}

template <class Next>
void WsSession<Next>::notify_when_idle() {
  std::weak_ptr<WsSession<Next>> weak = shared_from_this();
  ws_.next_layer().set_on_idle([weak] {
    if (auto self = weak.lock()) self->dialect_->on_idle();
  });
}

template <class Next>
void WsSession<Next>::close_with(uint16_t code, std::string_view reason) {
  if (closing_) return;
  closing_ = true;
  if (stall_timer_) stall_timer_->cancel();
  // Free queued frames now, keeping those a write may still be reading from.
  ws_.next_layer().drop_pending_frames();
  cleanup();
  auto self = shared_from_this();
  log(Level::debug, "session_closing", "session={} code={} reason={}", dialect_->label(), code,
      quoted(reason));
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

template class WsSession<beast::tcp_stream>;
template class WsSession<TlsStream>;

}  // namespace techpulse::gateway
