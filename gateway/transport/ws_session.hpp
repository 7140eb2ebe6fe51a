#pragma once
// transport: moves bytes and applies backpressure; decides nothing about topics or users.
// One WebSocket connection, on the frame codec of our own (ws_codec.hpp): reads frames and hands whole messages to
// its dialect's Endpoint (techpulse.v1, or Phoenix, which also takes binary frames), answers pings, runs the close
// handshake, and writes what the dialect sends. Lives on one loop; every member is used only on that loop's thread.
// Kept alive by its pending handlers (shared_from_this). Outbound frames wait in the CorkedStream (one gather write
// per loop turn), bounded in frames and bytes: a client that does not read is closed ("slow consumer") instead of
// growing memory.
// An idle connection holds no buffer and no coroutine: on ws:// it waits for readability with no buffer and reads
// into its loop's buffer (only a partial frame is kept, in `in_`), the keep-alive is its loop's IdleSweep, and a
// coroutine exists only while read messages are being handed to the dialect. wss:// reads into a buffer of the
// session's own (OpenSSL's state per connection dwarfs it anyway).
// `Next` is the byte stream: a PlainSocket (ws://) or TlsStream (wss://, after the TLS handshake). Both are
// instantiated in ws_session.cpp only.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <functional>
#include <memory>
#include <optional>

#include "gateway/dialect/wire.hpp"
#include "gateway/realtime/loop.hpp"
#include "gateway/realtime/services.hpp"
#include "gateway/transport/conn_limits.hpp"
#include "gateway/transport/corked_stream.hpp"
#include "gateway/transport/idle_sweep.hpp"
#include "gateway/transport/ws_codec.hpp"
#include "metrics/metrics.hpp"

namespace techpulse::gateway {

namespace beast = boost::beast;
namespace asio = boost::asio;

// The byte stream a WsSession takes over from the HTTP session: a plain connection's descriptor moves to a
// PlainSocket on `ioc` (a broken one becomes a closed socket, whose first read ends the session); TLS stays as it is.
PlainSocket ws_next_layer(beast::tcp_stream&& s, asio::io_context& ioc);
inline TlsStream&& ws_next_layer(TlsStream&& s, asio::io_context&) { return std::move(s); }
template <class Stream>
using WsNext = std::decay_t<decltype(ws_next_layer(std::declval<Stream&&>(), std::declval<asio::io_context&>()))>;

template <class Next>
class WsSession : public std::enable_shared_from_this<WsSession<Next>>, public dialect::Wire, public IdleWatch {
 public:
  // Builds the connection's dialect on its Wire (this session).
  using MakeDialect = std::function<std::unique_ptr<dialect::Endpoint>(dialect::Wire&)>;
  WsSession(realtime::Services& svc, realtime::Loop& loop, Next stream, MakeDialect make_dialect, ConnectionSlot slot,
            bool binary_allowed = false);
  ~WsSession() override;

  // Answers the upgrade (101, with the key's accept value; Sec-WebSocket-Protocol: techpulse.v1 when asked to echo
  // it), opens the dialect and starts reading.
  void start(std::string_view websocket_key, bool echo_subprotocol);

  // dialect::Wire
  void send(const Frame& frame) override;
  // The event's WebSocket text frame, made once per event and shared by its recipients on this loop.
  void send_event(const realtime::Broadcast& event, const realtime::Encoder& enc) override;
  // The run's text frames joined in one buffer, made once per run and shared by its recipients on this loop.
  void send_run(const realtime::EventRun& run, const realtime::Encoder& enc) override;
  void send_binary(const Frame& frame) override;
  bool has_room() const override;
  bool idle() const override { return out_.queued_frames() == 0; }
  void notify_when_idle() override;
  void close(uint16_t code, std::string_view reason, metrics::CloseReason counted_as) override {
    count_close_as(counted_as);
    close_with(code, reason);
  }

  // Sends a close frame (best effort) and drops the connection once the client answers it, or within a short
  // grace period.
  void close_with(uint16_t code, std::string_view reason);

  // IdleWatch: a client silent for two ticks (one heartbeat) is pinged; silent for four, it is closed.
  void on_idle_tick() override;

 private:
  using std::enable_shared_from_this<WsSession<Next>>::shared_from_this;
  using std::enable_shared_from_this<WsSession<Next>>::weak_from_this;

  static constexpr bool kTls = CorkedStream<Next>::kTls;
  // Waits for the next bytes (ws://: readability, then a read into the loop's buffer; wss://: a read).
  void read_more();
  void on_readable(const boost::system::error_code& ec);
  void on_read(const boost::system::error_code& ec, std::string_view bytes);
  // Decodes what `in_` holds and hands the messages to the dialect, one at a time; then reads more.
  asio::awaitable<void> dispatch(std::shared_ptr<WsSession> self);
  void on_peer_close(uint16_t code);
  void on_protocol_error(const ws::Event& e);
  // Queues a close frame (and arms the grace timer): the connection ends once it is written and the client's close
  // has come (or reading ended on a protocol error), or when the timer fires.
  void send_close_frame(std::string frame);
  // The log's reason for a close handshake that ended: the protocol error, "server closed", or the client's close.
  std::string_view close_reason_text() const;
  // The connection is over: logged, counted, the socket closed, the dialect told.
  void end(std::string_view why);
  void cleanup();
  // One frame: a payload (`opcode` text or binary; the queue writes its header), or `frames` whole frames in one
  // buffer (opcode 0: ws::text_frame's, or a run's joined). `payload_size` is the payloads' (the metric counts
  // payload bytes).
  void queue(const Frame& frame, uint8_t opcode, std::size_t payload_size, std::uint16_t frames = 1);
  // The first reason given is the one techpulse_connections_closed_total counts (at cleanup).
  void count_close_as(metrics::CloseReason r) {
    if (!close_reason_) close_reason_ = r;
  }
  // The slow-consumer rule: over the bounds, the session must keep completing writes.
  void watch_stall();
  void close_slow(const char* why);
  bool over_bounds(std::size_t extra_bytes) const;

  static constexpr std::size_t kHardQueueFactor = 16;
  static constexpr std::size_t kTlsReadBytes = 16 * 1024;  // one TLS record

  realtime::Services& svc_;
  realtime::Loop& loop_;
  CorkedStream<Next> out_;
  ws::Decoder decoder_;
  std::string in_;                     // read, not yet decoded: a partial frame at most, between reads
  std::unique_ptr<char[]> tls_in_;     // wss:// only: the read buffer
  uint8_t silent_ticks_ = 0;           // idle-sweep ticks since the last bytes came in
  bool closing_ = false;               // a close frame is queued (ours or our answer to the client's)
  bool close_sent_ = false;            // ... and written
  bool close_received_ = false;        // the client's close frame came, or a protocol error ended reading
  bool ended_ = false;
  bool server_closed_ = false;         // the close was ours (the log's "server closed")
  std::string_view protocol_error_;    // why reading ended on a protocol error (the log's reason; a literal)
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
