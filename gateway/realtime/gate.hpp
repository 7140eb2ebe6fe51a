#pragma once
// A bound on the statements in flight at once: enter() resumes when fewer than `limit` holders remain, in the
// order the waiters came; the Slot it returns gives its place back when destroyed. Owned by one executor (the
// storage loop) and used only there, so it takes no lock. A Slot shares the gate's state, so a coroutine frame
// destroyed with its io_context after the gate (a shutdown) gives its place back harmlessly.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <deque>
#include <memory>

namespace techpulse::gateway::realtime {

class Gate {
  struct Waiter {
    explicit Waiter(boost::asio::any_io_executor ex) : timer(std::move(ex)) {}
    boost::asio::steady_timer timer;
    bool admitted = false;
  };
  struct State {
    size_t limit = 1;
    size_t in = 0;
    std::deque<std::shared_ptr<Waiter>> waiters;
    void leave() {
      --in;
      if (!waiters.empty() && in < limit) {
        auto w = waiters.front();
        waiters.pop_front();
        ++in;  // the place passes to the first waiter at once, so no newcomer takes it before it runs
        w->admitted = true;
        w->timer.cancel();
      }
    }
  };

 public:
  Gate(boost::asio::any_io_executor ex, size_t limit) : ex_(std::move(ex)), st_(std::make_shared<State>()) {
    st_->limit = limit ? limit : 1;
  }
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  class Slot {
   public:
    Slot() = default;
    explicit Slot(std::shared_ptr<State> st) : st_(std::move(st)) {}
    Slot(Slot&&) noexcept = default;
    Slot& operator=(Slot&& o) noexcept {
      if (this != &o) {
        release();
        st_ = std::move(o.st_);
      }
      return *this;
    }
    ~Slot() { release(); }
    void release() {
      if (st_) st_->leave();
      st_.reset();
    }

   private:
    std::shared_ptr<State> st_;
  };

  boost::asio::awaitable<Slot> enter() {
    if (st_->in < st_->limit && st_->waiters.empty()) {
      ++st_->in;
      co_return Slot(st_);
    }
    auto w = std::make_shared<Waiter>(ex_);
    w->timer.expires_at(boost::asio::steady_timer::time_point::max());
    st_->waiters.push_back(w);
    while (!w->admitted) {
      boost::system::error_code ec;
      co_await w->timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
    co_return Slot(st_);  // leave() counted it in already
  }

  size_t in_flight() const { return st_->in; }
  size_t waiting() const { return st_->waiters.size(); }

 private:
  boost::asio::any_io_executor ex_;
  std::shared_ptr<State> st_;
};

}  // namespace techpulse::gateway::realtime
