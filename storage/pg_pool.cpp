#include "storage/pg_pool.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "metrics/metrics.hpp"

namespace techpulse::storage {

struct PgPool::Waiter {
  explicit Waiter(asio::any_io_executor ex) : timer(ex) {}
  asio::steady_timer timer;
  PgConn* handed = nullptr;
};

PgPool::PgPool(asio::any_io_executor ex, PoolOptions opts) : ex_(std::move(ex)), opts_(std::move(opts)) {
  for (size_t i = 0; i < opts_.size; ++i) {
    conns_.push_back(std::make_unique<PgConn>(ex_, opts_.conninfo));
    free_.push_back(conns_.back().get());
  }
}

PgPool::~PgPool() = default;

PgPool::Lease::~Lease() {
  if (conn_) {
    pool_->release(conn_);
  }
}

void PgPool::release(PgConn* c) {
  while (!waiters_.empty()) {
    auto w = waiters_.front();
    waiters_.pop_front();
    if (w->handed == nullptr) {
      w->handed = c;
      w->timer.cancel();
      return;  // still in use, by the waiter
    }
  }
  free_.push_back(c);
  metrics::pool_in_use(-1);
}

void PgPool::stop() {
  stopped_ = true;
  for (auto& c : conns_) c->close();
  for (auto& w : waiters_) w->timer.cancel();  // each gives up: nothing was handed to it
}

asio::awaitable<PgOutcome<PgPool::Lease>> PgPool::acquire(Millis timeout) {
  if (stopped_) {
    co_return PgOutcome<Lease>::fail(PgError{PgError::connection, {}, "the gateway is shutting down"});
  }
  PgConn* c = nullptr;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!free_.empty()) {
    c = free_.back();
    free_.pop_back();
    metrics::pool_in_use(+1);
  } else {
    auto w = std::make_shared<Waiter>(ex_);
    w->timer.expires_at(deadline);
    waiters_.push_back(w);
    metrics::pool_waiting(+1);
    boost::system::error_code ec;
    co_await w->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    metrics::pool_waiting(-1);
    if (!w->handed) {
      w->handed = reinterpret_cast<PgConn*>(1);  // mark as given up, so release() skips it
      co_return PgOutcome<Lease>::fail(PgError{PgError::timeout, {}, "no database connection became free in time"});
    }
    c = w->handed;
  }
  Lease lease(this, c);
  if (stopped_) {
    co_return PgOutcome<Lease>::fail(PgError{PgError::connection, {}, "the gateway is shutting down"});
  }
  if (!c->connected()) {
    auto remaining = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    auto budget = std::max(Millis{1}, std::min(opts_.connect_timeout, remaining));
    if (auto err = co_await c->connect(budget)) {
      co_return PgOutcome<Lease>::fail(*err);
    }
  }
  co_return PgOutcome<Lease>{std::move(lease), {}};
}

asio::awaitable<PgOutcome<PgResult>> PgPool::query(std::string_view sql, const Params& params) {
  co_return co_await query(sql, params, opts_.query_timeout);
}

asio::awaitable<PgOutcome<PgResult>> PgPool::query(std::string_view sql, const Params& params, Millis timeout) {
  auto start = std::chrono::steady_clock::now();
  auto lease = co_await acquire(timeout);
  if (!lease.ok()) {
    metrics::db_error(lease.error.sqlstate);  // (a request on the connection counts its own, in PgConn)
    co_return PgOutcome<PgResult>::fail(lease.error);
  }
  auto used = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start);
  co_return co_await (*lease.value)->query(sql, params, std::max(Millis{1}, timeout - used));
}

}  // namespace techpulse::storage
