#pragma once
// transport: moves bytes and applies backpressure; decides nothing about topics or users.
// One WebSocket connection: owns the Beast stream over a CorkedStream, reads frames and hands them to its
// dialect's Endpoint (techpulse.v1, or Phoenix, which also takes binary frames), and writes what the dialect sends. Lives on one loop; every member is used only on that
// loop's thread. Owns itself through shared_from_this while its read loop runs. Outbound frames wait in the
// CorkedStream (one gather write per loop turn), bounded in frames and bytes: a client that does not read is closed
// ("slow consumer") instead of growing memory.
// `Next` is the byte stream: beast::tcp_stream (ws://) or TlsStream (wss://, after the TLS handshake). Both are
// instantiated in ws_session.cpp only; the plain path is the same code it was before TLS existed.
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <functional>
#include <memory>
#include <optional>

#include "gateway/dialect/wire.hpp"
#include "gateway/realtime/loop.hpp"
#include "gateway/realtime/services.hpp"
#include "gateway/transport/conn_limits.hpp"
#include "gateway/transport/corked_stream.hpp"
#include "metrics/metrics.hpp"

namespace techpulse::gateway {

namespace beast = boost::beast;
namespace asio = boost::asio;

template <class Next>
class WsSession : public std::enable_shared_from_this<WsSession<Next>>, public dialect::Wire {
 public:
  // Builds the connection's dialect on its Wire (this session).
  using MakeDialect = std::function<std::unique_ptr<dialect::Endpoint>(dialect::Wire&)>;
  WsSession(realtime::Services& svc, realtime::Loop& loop, Next stream, MakeDialect make_dialect, ConnectionSlot slot,
            bool binary_allowed = false);
  ~WsSession() override;

  void start(beast::http::request<beast::http::string_body> req, bool echo_subprotocol);

  // dialect::Wire
  void send(const Frame& frame) override;
  void send_binary(const Frame& frame) override;
  bool has_room() const override;
  bool idle() const override { return ws_.next_layer().queued_frames() == 0; }
  void notify_when_idle() override;
  void close(uint16_t code, std::string_view reason, metrics::CloseReason counted_as) override {
    count_close_as(counted_as);
    close_with(code, reason);
  }

  // Sends a close frame (best effort) and drops the connection within a short grace period.
  void close_with(beast::websocket::close_code code, std::string_view reason) {
    close_with(static_cast<uint16_t>(code), reason);
  }
  void close_with(uint16_t code, std::string_view reason);

 private:
  using std::enable_shared_from_this<WsSession<Next>>::shared_from_this;
  using std::enable_shared_from_this<WsSession<Next>>::weak_from_this;

  asio::awaitable<void> run(beast::http::request<beast::http::string_body> req, bool echo_subprotocol);
  void cleanup();
  void queue(const Frame& frame, bool binary);
  // The first reason given is the one techpulse_connections_closed_total counts (at cleanup).
  void count_close_as(metrics::CloseReason r) {
    if (!close_reason_) close_reason_ = r;
  }
  // The slow-consumer rule: over the bounds, the session must keep completing writes.
  void watch_stall();
  void close_slow(const char* why);
  bool over_bounds(std::size_t extra_bytes) const;

  static constexpr std::size_t kHardQueueFactor = 16;

  realtime::Services& svc_;
  realtime::Loop& loop_;
  beast::websocket::stream<CorkedStream<Next>> ws_;
  beast::flat_buffer buffer_;
  bool closing_ = false;
  bool cleaned_ = false;
  bool opened_ = false;  // the upgrade completed: counted in techpulse_connections_opened_total
  std::optional<metrics::CloseReason> close_reason_;
  std::unique_ptr<asio::steady_timer> close_timer_;
  std::unique_ptr<asio::steady_timer> stall_timer_;  // armed while the queue is over the bounds
  std::uint64_t writes_at_arm_ = 0;
  ConnectionSlot slot_;
  bool binary_allowed_;
  std::unique_ptr<dialect::Endpoint> dialect_;
};

}  // namespace techpulse::gateway
