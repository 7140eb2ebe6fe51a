#include "gateway/transport/ws_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <array>
#include <unistd.h>

#include "gateway/dialect/techpulse_v1/connection.hpp"
#include "gateway/log.hpp"
#include "gateway/transport/heap_trim.hpp"

namespace techpulse::gateway {

namespace {

constexpr uint8_t kOpPing = 0x9, kOpPong = 0xA;
// Beast's words for these ends, which the logs have always used.
constexpr std::string_view kClosedText = "The WebSocket stream was gracefully closed at both endpoints";
constexpr std::string_view kTimeoutText = "The socket was closed due to a timeout";

// The loop's read buffer (one loop per thread): a plain connection reads into it only when the socket is readable,
// so no connection holds a read buffer while it waits.
std::array<char, 64 * 1024>& loop_read_buffer() {
  thread_local std::array<char, 64 * 1024> buffer;
  return buffer;
}

// EventRun's joiner for WebSocket sessions: the events' text frames back to back.
Frame join_text_frames(std::span<const realtime::SharedEvent> events, const realtime::Encoder& enc,
                       std::size_t& payload_bytes) {
  std::size_t total = 0;
  for (const auto& e : events) {
    if (const Frame& p = e->encoded(enc)) total += ws::kMaxHeader + p->size();
  }
  std::string out;
  out.reserve(total);
  payload_bytes = 0;
  for (const auto& e : events) {
    const Frame& p = e->encoded(enc);
    if (!p) continue;
    uint8_t header[ws::kMaxHeader];
    out.append(reinterpret_cast<const char*>(header), ws::write_header(header, 0x1, p->size()));
    out.append(*p);
    payload_bytes += p->size();
  }
  return std::make_shared<const std::string>(std::move(out));
}

}  // namespace

PlainSocket ws_next_layer(beast::tcp_stream&& s, asio::io_context& ioc) {
  auto socket = s.release_socket();
  boost::system::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  PlainSocket out(ioc.get_executor());
  if (ec) return out;
  const auto fd = socket.release(ec);
  if (ec) return out;
  out.assign(protocol, fd, ec);
  if (ec) ::close(fd);
  return out;
}

template <class Next>
WsSession<Next>::WsSession(realtime::Services& svc, realtime::Loop& loop, Next stream, MakeDialect make_dialect,
                           ConnectionSlot slot, bool binary_allowed)
    : svc_(svc),
      loop_(loop),
      out_(std::move(stream)),
      decoder_(svc.config.max_frame_bytes),
      slot_(std::move(slot)),
      binary_allowed_(binary_allowed),
      dialect_(make_dialect(*this)) {
  out_.set_flush_queue(&FlushQueue::of(loop_.ioc, &loop_.inbox_pending));
}

template <class Next>
WsSession<Next>::~WsSession() {
  cleanup();
  // Its queue (bounded, but megabytes when a burst met a reader that stopped) is freed with the members.
  if (close_reason_ == metrics::CloseReason::slow_consumer) trim_heap_soon(loop_.ioc);
}

template <class Next>
void WsSession<Next>::start(std::string_view websocket_key, bool echo_subprotocol) {
  out_.set_owner(weak_from_this());
  if constexpr (!kTls) {
    boost::system::error_code ec;
    out_.socket().non_blocking(true, ec);  // reads are attempted only once the socket is readable
  }
  out_.enqueue_control(ws::handshake_response(websocket_key,
                                              echo_subprotocol ? dialect::techpulse_v1::kSubprotocol : ""));
  opened_ = true;
  metrics::connection_opened();
  // A ping every heartbeat_ms of silence; a client silent for two intervals is closed (ticks of half an interval).
  IdleSweep::of(loop_.ioc, std::chrono::milliseconds(std::max<int64_t>(1, svc_.config.heartbeat_ms / 2))).watch(*this);
  dialect_->open();
  read_more();
}

template <class Next>
void WsSession<Next>::read_more() {
  if (ended_) return;
  auto self = shared_from_this();
  if constexpr (!kTls) {
    out_.socket().async_wait(asio::socket_base::wait_read,
                             [self](const boost::system::error_code& ec) { self->on_readable(ec); });
  } else {
    if (!tls_in_) tls_in_ = std::make_unique<char[]>(kTlsReadBytes);
    out_.next_layer().async_read_some(asio::buffer(tls_in_.get(), kTlsReadBytes),
                                      [self](const boost::system::error_code& ec, std::size_t n) {
                                        self->on_read(ec, std::string_view(self->tls_in_.get(), ec ? 0 : n));
                                      });
  }
}

template <class Next>
void WsSession<Next>::on_readable(const boost::system::error_code& wait_ec) {
  if (wait_ec) return on_read(wait_ec, {});
  auto& buffer = loop_read_buffer();
  boost::system::error_code ec;
  std::size_t n = out_.socket().read_some(asio::buffer(buffer), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) return read_more();
  on_read(ec, std::string_view(buffer.data(), ec ? 0 : n));
}

template <class Next>
void WsSession<Next>::on_read(const boost::system::error_code& ec, std::string_view bytes) {
  if (ended_) return;
  if (ec) {
    if (ec != asio::error::operation_aborted) count_close_as(metrics::CloseReason::error);
    return end(ec == asio::error::eof ? std::string_view("The client closed the connection") : ec.message());
  }
  silent_ticks_ = 0;
  in_.append(bytes);
  asio::co_spawn(loop_.ioc, dispatch(shared_from_this()), asio::detached);
}

template <class Next>
asio::awaitable<void> WsSession<Next>::dispatch(std::shared_ptr<WsSession> self) {
  std::size_t pos = 0;
  for (;;) {
    if (ended_ || close_received_) co_return;
    std::size_t used = 0;
    ws::Event e = decoder_.next(std::span<char>(in_.data() + pos, in_.size() - pos), used);
    pos += used;
    using Kind = ws::Event::Kind;
    if (e.kind == Kind::none) {
      if (used == 0) break;  // no whole frame left: read more
      continue;              // a fragment absorbed
    }
    if (e.kind == Kind::error) {
      on_protocol_error(e);
      co_return;
    }
    if (e.kind == Kind::close) {
      on_peer_close(e.code);
      co_return;
    }
    if (e.kind == Kind::ping) {
      if (!closing_) out_.enqueue_control(ws::encode_frame(kOpPong, e.payload));
      continue;
    }
    if (e.kind == Kind::pong) continue;
    // A message. After our close frame only the client's close matters: what it sent before it is dropped.
    if (closing_) continue;
    if (!e.text && !binary_allowed_) {
      count_close_as(metrics::CloseReason::error);
      close_with(ws::close_code::unknown_data, "binary frames are not supported");
      continue;
    }
    metrics::frame_in(e.payload.size());
    // The payload is a view into in_ (or the decoder's fragments): neither changes until this call is over.
    if (e.text) {
      co_await dialect_->on_text(e.payload);
    } else {
      co_await dialect_->on_binary(e.payload);
    }
  }
  dialect_->on_read_done();
  in_.erase(0, pos);
  if (in_.empty()) {
    std::string().swap(in_);  // an idle connection keeps no buffer
    decoder_.release();
  }
  read_more();
}

template <class Next>
void WsSession<Next>::on_peer_close(uint16_t code) {
  close_received_ = true;
  count_close_as(metrics::CloseReason::normal);
  if (closing_) {
    // The answer to ours: the handshake is complete once ours is written.
    if (close_sent_) end(close_reason_text());
    return;
  }
  // Closing before the dialect is told (cleanup), so that a close it asks for in return sends no second frame.
  closing_ = true;
  if (stall_timer_) stall_timer_->cancel();
  cleanup();
  // Echo the client's code (RFC 6455 5.5.1); a close without one is answered without one.
  if (code == ws::close_code::no_status) {
    send_close_frame(ws::encode_frame(0x8, ""));
  } else {
    send_close_frame(ws::encode_close(code, ""));
  }
}

template <class Next>
void WsSession<Next>::on_protocol_error(const ws::Event& e) {
  close_received_ = true;  // nothing more is read: the connection ends once our close frame is written
  count_close_as(e.code == ws::close_code::too_big ? metrics::CloseReason::too_large : metrics::CloseReason::error);
  protocol_error_ = e.why;  // a literal of the codec
  if (closing_) {
    if (close_sent_) end(close_reason_text());
    return;
  }
  closing_ = true;
  if (stall_timer_) stall_timer_->cancel();
  out_.drop_pending_frames();
  cleanup();
  send_close_frame(ws::encode_close(e.code, e.code == ws::close_code::too_big ? "message too big" : e.why));
}

template <class Next>
void WsSession<Next>::send_close_frame(std::string frame) {
  std::weak_ptr<WsSession<Next>> weak = shared_from_this();
  out_.enqueue_control(std::move(frame), [weak](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self || self->ended_) return;
    self->close_sent_ = true;
    if (ec || self->close_received_) self->end(self->close_reason_text());
  });
  // A client that does not read never lets the close frame out, or never answers it: drop the TCP connection after
  // a grace period.
  close_timer_ = std::make_unique<asio::steady_timer>(loop_.ioc, std::chrono::seconds(2));
  close_timer_->async_wait([weak](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    self->end(self->close_reason_text());
  });
}

template <class Next>
std::string_view WsSession<Next>::close_reason_text() const {
  if (!protocol_error_.empty()) return protocol_error_;
  return server_closed_ ? std::string_view("server closed") : kClosedText;
}

template <class Next>
void WsSession<Next>::on_idle_tick() {
  if (ended_ || closing_) return;  // a closing connection ends by its close timer
  ++silent_ticks_;
  if (silent_ticks_ >= 4) {
    count_close_as(metrics::CloseReason::idle);
    return end(kTimeoutText);
  }
  if (silent_ticks_ == 2) out_.enqueue_control(ws::encode_frame(kOpPing, ""));
}

template <class Next>
void WsSession<Next>::end(std::string_view why) {
  if (ended_) return;
  ended_ = true;
  stop_watching();
  log(Level::info, "session_close", "session={} reason={}", dialect_->label(), quoted(why));
  count_close_as(metrics::CloseReason::error);  // when nothing more precise was counted
  cleanup();
  if (stall_timer_) stall_timer_->cancel();
  if (close_timer_) close_timer_->cancel();
  boost::system::error_code ignore;
  out_.socket().shutdown(asio::socket_base::shutdown_both, ignore);
  out_.socket().close(ignore);
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
  return out_.queued_frames() >= cfg.max_queue_frames || out_.queued_bytes() + extra_bytes > cfg.max_queue_bytes;
}

template <class Next>
void WsSession<Next>::send(const Frame& frame) {
  queue(frame, 0x1, frame->size());
}

template <class Next>
void WsSession<Next>::send_event(const realtime::Broadcast& event, const realtime::Encoder& enc) {
  const Frame& payload = event.encoded(enc);
  if (!payload) return;  // no form in this dialect (the hub does not hand it such events)
  queue(event.framed(enc, &ws::text_frame), 0, payload->size());
}

template <class Next>
void WsSession<Next>::send_run(const realtime::EventRun& run, const realtime::Encoder& enc) {
  std::size_t payload = 0;
  const Frame& joined = run.joined(enc, &join_text_frames, payload);
  if (joined->empty()) return;  // no form in this dialect
  queue(joined, 0, payload, static_cast<std::uint16_t>(run.size()));
}

template <class Next>
void WsSession<Next>::send_binary(const Frame& frame) {
  queue(frame, 0x2, frame->size());
}

template <class Next>
void WsSession<Next>::queue(const Frame& frame, uint8_t opcode, std::size_t payload_size, std::uint16_t frames) {
  if (closing_ || ended_) return;
  const auto& cfg = svc_.config;
  // The bounds protect memory from a client that does not read, and nothing else: a queue over them is only
  // judged after slow_consumer_ms without a completed write (a fast reader's burst or large reply passes), and
  // only a queue kHardQueueFactor times over them is closed at once.
  if (over_bounds(frame->size())) {
    if (out_.queued_frames() >= kHardQueueFactor * cfg.max_queue_frames ||
        out_.queued_bytes() + frame->size() > kHardQueueFactor * cfg.max_queue_bytes) {
      close_slow("hard bound");
      return;
    }
    if (!stall_timer_) watch_stall();
  }
  // No copy: the frame's payload is shared by every recipient, and the CorkedStream writes it with its header (or
  // as it is, a whole frame).
  if (opcode == 0x2) out_.enqueue_binary(frame);
  else if (opcode == 0x1) out_.enqueue_text(frame);
  else out_.enqueue_framed(frame, frames);
  metrics::frame_out(payload_size, frames);
}

template <class Next>
void WsSession<Next>::watch_stall() {
  stall_timer_ = std::make_unique<asio::steady_timer>(loop_.ioc, std::chrono::milliseconds(svc_.config.slow_consumer_ms));
  writes_at_arm_ = out_.writes_done();
  std::weak_ptr<WsSession<Next>> weak = shared_from_this();
  stall_timer_->async_wait([weak](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->closing_) return;
    self->stall_timer_.reset();
    if (!self->over_bounds(0)) return;  // drained below the bounds
    if (self->out_.writes_done() == self->writes_at_arm_) {
      self->close_slow("no write completed");
      return;
    }
    self->watch_stall();  // still over, but reading: judge the next interval
  });
}

template <class Next>
void WsSession<Next>::close_slow(const char* why) {
  log(Level::warn, "slow_consumer", "session={} why={} queued_frames={} queued_bytes={}",
      dialect_->label(), quoted(why), out_.queued_frames(), out_.queued_bytes());
  count_close_as(metrics::CloseReason::slow_consumer);
  close_with(ws::close_code::policy_error, "slow consumer");
}

template <class Next>
bool WsSession<Next>::has_room() const {
  const auto& cfg = svc_.config;
  return out_.queued_frames() <= cfg.max_queue_frames / 2 && out_.queued_bytes() <= cfg.max_queue_bytes / 2;
}

template <class Next>
void WsSession<Next>::notify_when_idle() {
  std::weak_ptr<WsSession<Next>> weak = shared_from_this();
  out_.set_on_idle([weak] {
    if (auto self = weak.lock()) self->dialect_->on_idle();
  });
}

template <class Next>
void WsSession<Next>::close_with(uint16_t code, std::string_view reason) {
  if (closing_ || ended_) return;
  closing_ = true;
  server_closed_ = true;
  if (stall_timer_) stall_timer_->cancel();
  // Free queued frames now, keeping those a write may still be reading from.
  out_.drop_pending_frames();
  cleanup();
  log(Level::debug, "session_closing", "session={} code={} reason={}", dialect_->label(), code, quoted(reason));
  send_close_frame(ws::encode_close(code, reason));
}

template class WsSession<PlainSocket>;
template class WsSession<TlsStream>;

}  // namespace techpulse::gateway
