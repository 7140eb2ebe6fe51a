#pragma once
// transport: the sockets of one loop that have frames to write this turn, flushed together by one posted handler
// (uWebSockets' cork: a fan-out queues frames on many sockets, and each socket is written once, after the turn).
// One per io_context (an Asio service of it, made on first use and destroyed with it). A socket joins at most once
// per turn; the queue holds its owner alive until it has been flushed. While the loop's inbox has messages waiting,
// the flush waits one more turn so that their frames leave in the same writes (at most one turn: the wait is
// bounded).
#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace techpulse::gateway {

class FlushTarget {
 public:
  // Writes what is queued (called on the loop's thread, once per turn it was added in).
  virtual void flush_now() = 0;

 protected:
  ~FlushTarget() = default;
};

class FlushQueue final : public boost::asio::execution_context::service {
 public:
  using key_type = FlushQueue;
  static inline boost::asio::execution_context::id id;

  // The queue of `ioc`; `backlog` counts the messages waiting in its loop's inbox (the first call fixes it).
  // Called on the loop's thread only.
  static FlushQueue& of(boost::asio::io_context& ioc, const std::atomic<std::size_t>* backlog);

  explicit FlushQueue(boost::asio::execution_context& ctx);
  // `t` is flushed after the current turn; `keep` (its owner) lives until then.
  void add(FlushTarget& t, std::shared_ptr<void> keep);

 private:
  struct Entry {
    FlushTarget* target;
    std::shared_ptr<void> keep;
  };
  // The io_context is going away: its posted run() will never run, so the owners it kept are let go now.
  void shutdown() override;
  void post();
  void run();

  boost::asio::io_context& ioc_;
  const std::atomic<std::size_t>* backlog_ = nullptr;
  std::vector<Entry> pending_, running_;  // both keep their room: a fan-out turn adds every subscriber's socket
  bool posted_ = false;
  bool waited_ = false;  // this turn's flush already waited once for the inbox
};

}  // namespace techpulse::gateway
