#pragma once
// A bound on the statements in flight at once: enter() resumes when fewer than `limit` holders remain, in the
// order the waiters came; the Slot it returns gives its place back when destroyed. Owned by one executor (the
// storage loop) and used only there, so it takes no lock.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <deque>
#include <memory>

namespace techpulse::gateway::realtime {

class Gate {
 public:
  Gate(boost::asio::any_io_executor ex, size_t limit) : ex_(std::move(ex)), limit_(limit ? limit : 1) {}
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  class Slot {
   public:
    Slot() = default;
    explicit Slot(Gate* g) : gate_(g) {}
    Slot(Slot&& o) noexcept : gate_(o.gate_) { o.gate_ = nullptr; }
    Slot& operator=(Slot&& o) noexcept {
      if (this != &o) {
        release();
        gate_ = o.gate_;
        o.gate_ = nullptr;
      }
      return *this;
    }
    ~Slot() { release(); }
    void release() {
      if (gate_) gate_->leave();
      gate_ = nullptr;
    }

   private:
    Gate* gate_ = nullptr;
  };

  boost::asio::awaitable<Slot> enter() {
    if (in_ < limit_ && waiters_.empty()) {
      ++in_;
      co_return Slot(this);
    }
    auto w = std::make_shared<Waiter>(ex_);
    w->timer.expires_at(boost::asio::steady_timer::time_point::max());
    waiters_.push_back(w);
    while (!w->admitted) {
      boost::system::error_code ec;
      co_await w->timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
    co_return Slot(this);  // leave() counted it in already
  }

  size_t in_flight() const { return in_; }
  size_t waiting() const { return waiters_.size(); }

 private:
  struct Waiter {
    explicit Waiter(boost::asio::any_io_executor ex) : timer(std::move(ex)) {}
    boost::asio::steady_timer timer;
    bool admitted = false;
  };

  void leave() {
    --in_;
    if (!waiters_.empty() && in_ < limit_) {
      auto w = waiters_.front();
      waiters_.pop_front();
      ++in_;  // the place passes to the first waiter at once, so no newcomer takes it before it runs
      w->admitted = true;
      w->timer.cancel();
    }
  }

  boost::asio::any_io_executor ex_;
  size_t limit_;
  size_t in_ = 0;
  std::deque<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace techpulse::gateway::realtime
