#pragma once
// The write side of a WebSocket connection. Every byte the session sends goes through its one queue:
//   - event frames: a small unmasked header (server frames are never masked) plus the event's shared payload,
//     no copy and no allocation per delivery; or a whole frame shared as it is (a broadcast's, ws::text_frame:
//     one buffer per delivery in the gather write, not two);
//   - the session's own bytes (the 101 response, ping, pong, close), in order with the frames.
// The queue is written with one gather write per socket per loop turn (as uWebSockets corks): frames pushed during
// a fan-out wait for the loop's FlushQueue, which flushes every socket that has some after the turn, and everything
// queued by then leaves in one writev. Lives on its session's loop; not thread-safe. While idle it holds no heap
// memory.
// `Next` is the byte stream under it: a PlainSocket (ws://: written at once with a non-blocking writev from a
// gather list on the stack; only what the socket does not take is left to an async write, from a write state) or
// TlsStream (wss://: Beast's SSL stream; a flush of up to 16 KiB is copied into one buffer, one TLS record).
// Both are instantiated in corked_stream.cpp only.
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gateway/transport/flush_queue.hpp"

namespace techpulse::gateway {

using Frame = std::shared_ptr<const std::string>;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
// A plain connection's socket, bound to its loop's io_context executor rather than any_io_executor: the socket and
// every pending operation on it are 40 bytes smaller each (an idle connection holds both), and no call through it
// is type-erased.
using PlainSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

template <class Next>
class CorkedStream final : private FlushTarget {
 public:
  static constexpr bool kTls = !std::is_same_v<Next, PlainSocket>;
  using executor_type = typename Next::executor_type;
  using next_layer_type = Next;
  using error_code = boost::system::error_code;
  // Runs once the bytes of a control write are written (or failed).
  using Handler = std::function<void(const error_code&)>;

  explicit CorkedStream(Next s) : stream_(std::move(s)) {}
  CorkedStream(CorkedStream&&) = default;

  executor_type get_executor() noexcept { return stream_.get_executor(); }
  next_layer_type& next_layer() noexcept { return stream_; }
  const next_layer_type& next_layer() const noexcept { return stream_; }
  // The TCP socket at the bottom.
  auto& socket() noexcept {
    if constexpr (kTls) {
      return stream_.next_layer().socket();
    } else {
      return stream_;
    }
  }

  // Keeps the owner (the session) alive while a flush or a write is pending.
  void set_owner(std::weak_ptr<void> owner) { owner_ = std::move(owner); }
  // The loop's flush queue (which also makes a flush wait one turn while the loop's inbox has messages).
  void set_flush_queue(FlushQueue* q) { flushes_ = q; }
  // Called (posted, on the stream's executor) each time the queue becomes empty after a write: the SIGTERM drain
  // waits for this before it sends the close frame.
  void set_on_idle(std::function<void()> f) { on_idle_ = std::make_unique<std::function<void()>>(std::move(f)); }

  // Queues one text message. Frames queued after a write error are dropped.
  void enqueue_text(const Frame& payload);
  // Queues one binary message (Phoenix vsn 2.0.0 user broadcasts).
  void enqueue_binary(const Frame& payload);
  // Queues whole frames, headers included (ws::text_frame's, or a run's `frames` of them joined in one buffer),
  // written as they are.
  void enqueue_framed(const Frame& frames_bytes, std::uint16_t frames = 1);
  // Queues bytes of the session's own (a whole control frame, the 101 response); `done`, if any, runs once they
  // are written. After a write error it is called with that error (posted) and nothing is queued.
  void enqueue_control(std::string bytes, Handler done = {});
  // Frames and their bytes queued (including those being written): payloads, and whole frames' headers.
  std::size_t queued_frames() const { return queued_frames_; }
  std::size_t queued_bytes() const { return queued_bytes_; }
  // Writes completed so far: the slow-consumer rule judges a reader by whether this moves.
  std::uint64_t writes_done() const { return writes_done_; }
  // Forgets the event frames not yet being written (the session is closing), except the first one when no write
  // is in flight; the control writes stay.
  void drop_pending_frames();

 private:
  struct Control {
    std::string bytes;
    Handler handler;
  };
  struct Item {
    Frame payload;                     // an event frame's payload (or whole frame, header_len 0), or
    std::unique_ptr<Control> control;  // one of the session's own writes
    uint8_t header[10];  // ws::write_header's, at most ws::kMaxHeader
    uint8_t header_len = 0;
    uint16_t frames = 1;  // a run's joined frames are one item
  };

  // opcode 0: `payload` is `frames` whole frames.
  void enqueue(const Frame& payload, uint8_t opcode, std::uint16_t frames = 1);
  void schedule_flush();
  void flush_now() override;
  void flush();
  // Plain sockets: writes the queue now, while the socket takes all of it; the first write it does not take whole
  // goes on as an async write of the rest (write_rest).
  void write_now();
  // Bookkeeping of n written (or failed) items; returns the handlers of the control writes among them.
  std::vector<std::unique_ptr<Control>> complete(const error_code& ec, std::size_t n);
  void notify(std::vector<std::unique_ptr<Control>>& done);
  // Writes gather[first, buffers) with the socket's write_some until all of it is written (plain sockets).
  void write_rest(std::size_t items);
  void on_written(const error_code& ec, std::size_t items);
  void release_if_idle();

  Next stream_;
  std::weak_ptr<void> owner_;
  std::vector<Item> items_;  // items_[head_, end) are queued; [head_, head_ + in_flight_) are being written
  std::size_t head_ = 0;
  std::size_t in_flight_ = 0;
  std::size_t queued_bytes_ = 0;
  std::size_t queued_frames_ = 0;  // the items' frames in [head_, end)
  // The gather list of the write in flight and the frame headers it points to: allocated when a write starts on an
  // idle connection, freed when it is idle again (an idle connection holds 8 bytes for it, not two containers).
  // Sized for the write that needs it (a power of two of buffers, at least 4), and grown when a later write needs
  // more: the 101 response or one frame to an idle connection takes about 100 bytes, not the 1.3 KiB of a full
  // list, which a burst of handshakes would leave behind as fragmented free heap.
  // At most 64 buffers per writev (Asio's iovec limit for a socket's write_some). asio::async_write would pass only
  // 16 of them per call (its prepared_buffers), 8 frames, so the plain path writes with write_some itself.
  // The TLS path copies a flush of up to one TLS record's 16 KiB into `flat` and writes that one buffer (Beast's
  // flat_stream would copy 16 buffers, 8 frames, per record, and keep its copy buffer for the connection's life).
  static constexpr std::size_t kMaxBuffers = 64;
  static constexpr std::size_t kTlsRecord = 16 * 1024;
  struct WriteState {
    std::size_t capacity = 0;  // buffers; the headers' room is capacity / 2 * 10 bytes
    std::size_t buffers = 0;
    std::size_t first = 0;  // gather[first, buffers) is still to be written (gather[first] perhaps in part)
    std::string flat;       // TLS: the flush's bytes, contiguous
    boost::asio::const_buffer* gather() { return reinterpret_cast<boost::asio::const_buffer*>(this + 1); }
    char* headers() { return reinterpret_cast<char*>(gather() + capacity); }
  };
  struct WriteStateFree {
    void operator()(WriteState* w) const noexcept;
  };
  // A write state with room for at least `buffers` buffers (kept when it has).
  WriteState& write_state(std::size_t buffers);
  std::unique_ptr<WriteState, WriteStateFree> write_;
  FlushQueue* flushes_ = nullptr;
  std::unique_ptr<std::function<void()>> on_idle_;  // set only by a SIGTERM drain
  std::uint64_t writes_done_ = 0;
  bool flush_posted_ = false;
  bool writing_ = false;
  error_code failed_;
};

}  // namespace techpulse::gateway
