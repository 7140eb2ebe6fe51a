#pragma once
// Coalesces requests by key: a request joins the next statement for its key that has not started yet, and one
// starts at once when fewer than `per_key` are in flight for the key (so a request that comes alone waits for
// nothing). Every statement first takes a place at the Gate, and only then takes the waiting requests (up to
// `max_batch`): the longer the gate makes them wait, the more share one statement. A request never joins a
// statement that has already started, so a statement always starts after each of its requests was made (what the
// subscription set-up relies on: subscribe.cpp). Owned by one executor (the storage loop), used only there.
// A request waits as a coroutine (call) or as a callback (call_then: no coroutine frame, for what waits in numbers,
// such as a storm's admissions, where each waiting frame was kilobytes of heap).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/realtime/gate.hpp"

namespace techpulse::gateway::realtime {

template <class Req, class Res>
class Batcher {
 public:
  using Done = std::function<void(Res)>;
  struct Waiter {
    Waiter(boost::asio::any_io_executor ex, Req r) : req(std::move(r)) { timer.emplace(std::move(ex)); }
    Waiter(Req r, Done d) : req(std::move(r)), done(std::move(d)) {}
    Req req;
    std::optional<Res> res;
    std::optional<boost::asio::steady_timer> timer;  // call(): cancelled when `res` is set
    Done done;                                       // call_then(): called with it instead
  };
  using Batch = std::vector<std::shared_ptr<Waiter>>;
  // One statement for the batch: it sets `res` of every waiter it answers; one left without is queued again, first.
  using Run = std::function<boost::asio::awaitable<void>(const std::string& key, Batch& batch)>;

  Batcher(boost::asio::any_io_executor ex, Gate& gate, size_t max_batch, size_t per_key, Run run)
      : ex_(std::move(ex)), gate_(gate), max_batch_(max_batch), per_key_(per_key), run_(std::move(run)) {}

  boost::asio::awaitable<Res> call(std::string key, Req req) {
    auto w = std::make_shared<Waiter>(ex_, std::move(req));
    w->timer->expires_at(boost::asio::steady_timer::time_point::max());
    enqueue(std::move(key), w);
    while (!w->res) {
      boost::system::error_code ec;
      co_await w->timer->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
    co_return std::move(*w->res);
  }

  // The same request, answered by calling `done` with the result (on this executor, posted by the statement's drain,
  // in the order the requests came, as call()'s coroutines are resumed).
  void call_then(std::string key, Req req, Done done) {
    enqueue(std::move(key), std::make_shared<Waiter>(std::move(req), std::move(done)));
  }

  // Requests whose statement has not started yet.
  size_t queued() const { return queued_; }

 private:
  struct Key {
    std::deque<std::shared_ptr<Waiter>> queue;
    size_t running = 0;  // drains of this key
  };

  void enqueue(std::string key, std::shared_ptr<Waiter> w) {
    auto& k = keys_[key];
    k.queue.push_back(std::move(w));
    ++queued_;
    if (k.running < per_key_) {
      ++k.running;
      boost::asio::co_spawn(ex_, drain(std::move(key)), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> drain(std::string key) {
    for (;;) {
      auto slot = co_await gate_.enter();
      Batch batch;
      {
        auto& k = keys_[key];
        if (k.queue.empty()) {
          if (--k.running == 0) keys_.erase(key);
          co_return;
        }
        while (!k.queue.empty() && batch.size() < max_batch_) {
          batch.push_back(std::move(k.queue.front()));
          k.queue.pop_front();
        }
        queued_ -= batch.size();
      }
      co_await run_(key, batch);
      auto& k = keys_[key];  // still there: this drain counts in k.running
      for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
        if (!(*it)->res) {
          k.queue.push_front(*it);  // in their order, before those that came since
          ++queued_;
        }
      }
      for (auto& w : batch) {  // woken in the order they came
        if (!w->res) continue;
        if (w->timer) {
          w->timer->cancel();  // its coroutine resumes from the executor's queue...
        } else {
          boost::asio::post(ex_, [w] { w->done(std::move(*w->res)); });  // ... and so does a callback, in turn
        }
      }
    }
  }

  boost::asio::any_io_executor ex_;
  Gate& gate_;
  size_t max_batch_;
  size_t per_key_;
  Run run_;
  std::unordered_map<std::string, Key> keys_;
  size_t queued_ = 0;
};

}  // namespace techpulse::gateway::realtime
