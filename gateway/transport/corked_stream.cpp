#include "gateway/transport/corked_stream.hpp"

#include <boost/asio/write.hpp>

#include "gateway/transport/ws_codec.hpp"
#include <cstring>

namespace techpulse::gateway {

namespace asio = boost::asio;

namespace {

// A flush takes at most kMaxBuffers buffers (32 frames with their headers apart, up to 63 whole frames) and the
// next flush the rest.
constexpr std::size_t kMaxFlushBytes = 256 * 1024;
// The first allocation of an empty queue, in items (40 bytes each): room for a fan-out turn's items (a flush takes
// 32 frames with separate headers; a run of messages is one item) when the first item is an event frame, for a few
// when it is the session's own (the 101 response of a handshake, whose queue is given back once written: a burst
// of handshakes leaves small holes, not large ones).
constexpr std::size_t kFirstQueueRoom = 32;
constexpr std::size_t kFirstControlRoom = 4;

// A view of the gather list, so that asio's write operation does not copy the vector.
struct GatherView {
  using value_type = asio::const_buffer;
  using const_iterator = const asio::const_buffer*;
  const asio::const_buffer* b;
  const asio::const_buffer* e;
  const_iterator begin() const { return b; }
  const_iterator end() const { return e; }
};

}  // namespace

template <class Next>
void CorkedStream<Next>::enqueue_text(const Frame& payload) {
  enqueue(payload, 0x1);
}

template <class Next>
void CorkedStream<Next>::enqueue_binary(const Frame& payload) {
  enqueue(payload, 0x2);
}

template <class Next>
void CorkedStream<Next>::enqueue_framed(const Frame& frames_bytes, std::uint16_t frames) {
  enqueue(frames_bytes, 0, frames);
}

template <class Next>
void CorkedStream<Next>::enqueue(const Frame& payload, uint8_t opcode, std::uint16_t frames) {
  if (failed_) return;
  // A queue starts with room for a turn's frames: frames come in bursts (a fan-out turn brings every message the
  // loop took at once), and growing 1, 2, 4, ... 32 was six allocations per socket per turn.
  if (items_.capacity() == 0) items_.reserve(kFirstQueueRoom);
  // The reference count's atomic increment waits for every earlier store to reach the cache: made before the new
  // item's stores (its line is often not in the cache yet), it does not wait for them.
  Frame ref = payload;
  Item& it = items_.emplace_back();
  it.payload = std::move(ref);
  std::size_t n = payload->size();
  it.header_len = opcode == 0 ? 0 : static_cast<uint8_t>(ws::write_header(it.header, opcode, n));
  it.frames = frames;
  queued_bytes_ += n;
  queued_frames_ += frames;
  schedule_flush();
}

template <class Next>
void CorkedStream<Next>::enqueue_control(std::string bytes, Handler handler) {
  if (failed_) {
    if (handler) asio::post(stream_.get_executor(), [h = std::move(handler), ec = failed_] { h(ec); });
    return;
  }
  if (items_.capacity() == 0) items_.reserve(kFirstControlRoom);
  Item& it = items_.emplace_back();
  it.control = std::make_unique<Control>(Control{std::move(bytes), std::move(handler)});
  ++queued_frames_;
  schedule_flush();
}

template <class Next>
void CorkedStream<Next>::drop_pending_frames() {
  // Keeps what is being written, or, when nothing is, the first queued item: the frame an uncorked writer would
  // already have started (the error that explains a close, say).
  std::size_t keep_end = head_ + (writing_ ? in_flight_ : std::min<std::size_t>(1, items_.size() - head_));
  std::size_t out = keep_end;
  for (std::size_t i = keep_end; i < items_.size(); ++i) {
    if (items_[i].control) {
      if (out != i) items_[out] = std::move(items_[i]);
      ++out;
    } else {
      queued_bytes_ -= items_[i].payload->size();
      queued_frames_ -= items_[i].frames;
    }
  }
  items_.resize(out);
}

template <class Next>
void CorkedStream<Next>::schedule_flush() {
  if (flush_posted_ || writing_) return;
  // The flush queue keeps the owner (the session) alive until the flush; without one (it is being destroyed)
  // there is nothing to flush for.
  auto keep = owner_.lock();
  if (!keep) return;
  flush_posted_ = true;
  flushes_->add(*this, std::move(keep));
}

template <class Next>
void CorkedStream<Next>::flush_now() {
  flush_posted_ = false;
  flush();
}

template <class Next>
void CorkedStream<Next>::WriteStateFree::operator()(WriteState* w) const noexcept {
  w->~WriteState();
  ::operator delete(static_cast<void*>(w));
}

template <class Next>
typename CorkedStream<Next>::WriteState& CorkedStream<Next>::write_state(std::size_t buffers) {
  if (write_ && write_->capacity >= buffers) return *write_;
  std::size_t capacity = 4;
  while (capacity < buffers) capacity *= 2;
  static_assert(alignof(WriteState) >= alignof(asio::const_buffer));
  void* raw = ::operator new(sizeof(WriteState) + capacity * sizeof(asio::const_buffer) + capacity / 2 * ws::kMaxHeader);
  write_.reset(new (raw) WriteState{capacity, 0, 0});
  return *write_;
}

template <class Next>
void CorkedStream<Next>::flush() {
  if (writing_ || head_ == items_.size() || failed_) return;
  if constexpr (!kTls) {
    write_now();
    return;
  }
  // The headers are copied next to each other, so that the gather list stays valid while items_ grows.
  WriteState& w = write_state(std::min(kMaxBuffers, 2 * (items_.size() - head_)));
  asio::const_buffer* gather = w.gather();
  std::size_t n = 0, bytes = 0, header_bytes = 0;
  w.buffers = 0;
  for (std::size_t i = head_; i < items_.size() && w.buffers + 2 <= w.capacity && bytes < kMaxFlushBytes; ++i) {
    const Item& it = items_[i];
    if constexpr (kTls) {
      // One TLS record per flush: the next item waits for the next flush if it would not fit (a first item larger
      // than a record goes alone, in several records).
      const std::size_t size = it.control ? it.control->bytes.size() : it.header_len + it.payload->size();
      if (n > 0 && bytes + size > kTlsRecord) break;
    }
    if (it.control) {
      gather[w.buffers++] = asio::const_buffer(it.control->bytes.data(), it.control->bytes.size());
      bytes += it.control->bytes.size();
    } else {
      if (it.header_len > 0) {
        char* h = w.headers() + header_bytes;
        std::memcpy(h, it.header, it.header_len);
        header_bytes += it.header_len;
        gather[w.buffers++] = asio::const_buffer(h, it.header_len);
      }
      gather[w.buffers++] = asio::const_buffer(it.payload->data(), it.payload->size());
      bytes += it.header_len + it.payload->size();
    }
    ++n;
  }
  in_flight_ = n;
  writing_ = true;
  w.first = 0;
  // One buffer: Beast's flat_stream passes a single buffer to the SSL stream as it is (and frees its own copy
  // buffer), and SSL_write makes it one record when it fits in one.
  // A frame larger than a record (alone in its flush) is written from its own buffers, uncopied here.
  auto done = [this, keep = owner_.lock(), n](const error_code& ec, std::size_t) { on_written(ec, n); };
  if (w.buffers > 1 && bytes <= kTlsRecord) {
    w.flat.resize(bytes);
    asio::buffer_copy(asio::buffer(w.flat), GatherView{gather, gather + w.buffers});
    asio::async_write(stream_, asio::buffer(w.flat), std::move(done));
  } else {
    asio::async_write(stream_, GatherView{gather, gather + w.buffers}, std::move(done));
  }
}

template <class Next>
void CorkedStream<Next>::write_now() {
  // Nothing is allocated while the socket takes every write whole (the common case): the gather list is on the
  // stack and points at the items' own headers, which stay put until the write returns. Control writes' handlers
  // run after the last write, as they run after the write that follows theirs on the async path.
  std::vector<std::unique_ptr<Control>> done;
  writing_ = true;  // a flush asked for meanwhile (by a handler) is this loop's
  while (head_ < items_.size() && !failed_) {
    asio::const_buffer gather[kMaxBuffers];
    bool header[kMaxBuffers];  // gather[b] points into an item's header
    std::size_t buffers = 0, n = 0, bytes = 0;
    for (std::size_t i = head_; i < items_.size() && buffers + 2 <= kMaxBuffers && bytes < kMaxFlushBytes; ++i) {
      const Item& it = items_[i];
      if (it.control) {
        header[buffers] = false;
        gather[buffers++] = asio::const_buffer(it.control->bytes.data(), it.control->bytes.size());
        bytes += it.control->bytes.size();
      } else {
        if (it.header_len > 0) {
          header[buffers] = true;
          gather[buffers++] = asio::const_buffer(it.header, it.header_len);
        }
        header[buffers] = false;
        gather[buffers++] = asio::const_buffer(it.payload->data(), it.payload->size());
        bytes += it.header_len + it.payload->size();
      }
      ++n;
    }
    error_code ec;
    std::size_t written = stream_.write_some(GatherView{gather, gather + buffers}, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      ec = {};
      written = 0;
    } else if (!ec && written == 0 && bytes > 0) {
      ec = asio::error::connection_aborted;
    }
    if (!ec && written < bytes) {
      // The socket's buffer is full: the rest of this write goes from a write state (its headers copied, since
      // items_ may grow meanwhile), as an async write.
      WriteState& w = write_state(buffers);
      char* h = w.headers();
      w.buffers = 0;
      w.first = 0;
      for (std::size_t b = 0; b < buffers; ++b) {
        asio::const_buffer buf = gather[b];
        if (written >= buf.size()) {
          written -= buf.size();
          continue;
        }
        buf += written;
        written = 0;
        if (header[b]) {
          std::memcpy(h, buf.data(), buf.size());
          w.gather()[w.buffers++] = asio::const_buffer(h, buf.size());
          h += buf.size();
        } else {
          w.gather()[w.buffers++] = buf;
        }
      }
      in_flight_ = n;
      notify(done);
      write_rest(n);  // writing_ stays set until on_written
      return;
    }
    auto finished = complete(ec, n);
    for (auto& c : finished) done.push_back(std::move(c));
  }
  writing_ = false;
  bool idle = head_ == items_.size();
  notify(done);
  if (idle && on_idle_) asio::post(stream_.get_executor(), *on_idle_);
}

template <class Next>
void CorkedStream<Next>::write_rest(std::size_t n) {
  WriteState& w = *write_;
  stream_.async_write_some(GatherView{w.gather() + w.first, w.gather() + w.buffers},
                           [this, keep = owner_.lock(), n](const error_code& ec, std::size_t written) {
                             if (ec) return on_written(ec, n);
                             if (written == 0) return on_written(asio::error::connection_aborted, n);
                             WriteState& w = *write_;
                             while (written > 0 && w.first < w.buffers) {
                               asio::const_buffer& b = w.gather()[w.first];
                               if (written < b.size()) {
                                 b += written;  // a partial write: the rest of this buffer goes first next time
                                 written = 0;
                               } else {
                                 written -= b.size();
                                 ++w.first;
                               }
                             }
                             if (w.first == w.buffers) return on_written({}, n);
                             write_rest(n);
                           });
}

template <class Next>
std::vector<std::unique_ptr<typename CorkedStream<Next>::Control>> CorkedStream<Next>::complete(const error_code& ec,
                                                                                                std::size_t n) {
  if (!ec) ++writes_done_;
  // The control writes' handlers run last (notify): they may queue more.
  std::vector<std::unique_ptr<Control>> done;
  for (std::size_t i = head_; i < head_ + n; ++i) {
    Item& it = items_[i];
    queued_frames_ -= it.frames;
    if (it.control) {
      done.push_back(std::move(it.control));
    } else {
      queued_bytes_ -= it.payload->size();
      it.payload.reset();
    }
  }
  head_ += n;
  if (ec) {
    failed_ = ec;
    for (std::size_t i = head_; i < items_.size(); ++i) {
      if (items_[i].control) done.push_back(std::move(items_[i].control));
    }
    head_ = items_.size();
    queued_bytes_ = 0;
    queued_frames_ = 0;
  }
  if (head_ == items_.size()) {
    items_.clear();
    head_ = 0;
    release_if_idle();
  } else if (head_ >= 64 && head_ * 2 >= items_.size()) {
    items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  return done;
}

template <class Next>
void CorkedStream<Next>::notify(std::vector<std::unique_ptr<Control>>& done) {
  for (auto& c : done) {
    if (c->handler) c->handler(failed_);
  }
  done.clear();
}

template <class Next>
void CorkedStream<Next>::on_written(const error_code& ec, std::size_t n) {
  writing_ = false;
  in_flight_ = 0;
  auto done = complete(ec, n);
  // A flush of the rest reports its own idleness (write_now), or ends in another on_written.
  const bool idle = head_ == items_.size();
  if (!idle) flush();
  notify(done);
  if (idle && on_idle_) asio::post(stream_.get_executor(), *on_idle_);
}

template <class Next>
void CorkedStream<Next>::release_if_idle() {
  // An idle connection keeps no buffers: most of 19k connections are idle most of the time.
  std::vector<Item>().swap(items_);
  write_.reset();
}

template class CorkedStream<PlainSocket>;
template class CorkedStream<TlsStream>;

}  // namespace techpulse::gateway
