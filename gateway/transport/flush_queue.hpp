#pragma once
// transport: the sockets of one loop that have frames to write this turn, flushed together by one posted handler
// (uWebSockets' cork: a fan-out queues frames on many sockets, and each socket is written once, after the turn).
// One per loop thread, made on first use. A socket joins at most once per turn; the queue holds its owner alive
// until it has been flushed. While the loop's inbox has messages waiting, the flush waits one more turn so that
// their frames leave in the same writes (at most one turn: the wait is bounded).
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

class FlushQueue {
 public:
  // The queue of the calling thread's loop; `backlog` counts the messages waiting in its inbox (the first call on a
  // thread fixes both).
  static FlushQueue& of(boost::asio::io_context& ioc, const std::atomic<std::size_t>* backlog);

  FlushQueue(boost::asio::io_context& ioc, const std::atomic<std::size_t>* backlog) : ioc_(ioc), backlog_(backlog) {}
  // `t` is flushed after the current turn; `keep` (its owner) lives until then.
  void add(FlushTarget& t, std::shared_ptr<void> keep);

 private:
  struct Entry {
    FlushTarget* target;
    std::shared_ptr<void> keep;
  };
  void post();
  void run();

  boost::asio::io_context& ioc_;
  const std::atomic<std::size_t>* backlog_;
  std::vector<Entry> pending_, running_;  // both keep their room: a fan-out turn adds every subscriber's socket
  bool posted_ = false;
  bool waited_ = false;  // this turn's flush already waited once for the inbox
};

}  // namespace techpulse::gateway
