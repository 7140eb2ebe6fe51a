#pragma once
#include <deque>
#include <memory>

#include "storage/pg_conn.hpp"

namespace techpulse::storage {

struct PoolOptions {
  std::string conninfo;
  size_t size = 4;
  Millis connect_timeout{2000};
  Millis query_timeout{5000};
};

// A fixed set of connections owned by one executor (the storage loop). Connections connect lazily and reconnect
// on the next use after a failure, so a restarted PostgreSQL is picked up without a restart of the gateway.
// A caller waits for a free connection at most query_timeout; then it gets an `unavailable` error.
class PgPool {
 public:
  PgPool(asio::any_io_executor ex, PoolOptions opts);
  ~PgPool();

  asio::awaitable<PgOutcome<PgResult>> query(std::string_view sql, const Params& params);
  asio::awaitable<PgOutcome<PgResult>> query(std::string_view sql, const Params& params, Millis timeout);
  // Binary parameters and results (PgConn::query with `binary`).
  asio::awaitable<PgOutcome<PgResult>> query(std::string_view sql, const Params& params, uint64_t binary,
                                             bool binary_result);

  // Borrow a connected connection (for multi-statement work such as migrations or transactions).
  // The returned guard gives it back when destroyed.
  class Lease {
   public:
    Lease() = default;
    Lease(PgPool* pool, PgConn* conn) : pool_(pool), conn_(conn) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), conn_(o.conn_) { o.conn_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    PgConn* operator->() const { return conn_; }
    PgConn& operator*() const { return *conn_; }
    explicit operator bool() const { return conn_ != nullptr; }

   private:
    PgPool* pool_ = nullptr;
    PgConn* conn_ = nullptr;
  };
  asio::awaitable<PgOutcome<Lease>> acquire(Millis timeout);

  // Shutdown: closes every connection (a query in flight returns a connection error at once), wakes every caller
  // waiting for a connection, and refuses new work. After it no coroutine of the pool stays suspended, so none is
  // left holding a Lease on the pool when the executor is destroyed after the pool.
  void stop();

  const PoolOptions& options() const { return opts_; }
  asio::any_io_executor executor() const { return ex_; }

 private:
  void release(PgConn* c);
  struct Waiter;
  asio::any_io_executor ex_;
  PoolOptions opts_;
  std::vector<std::unique_ptr<PgConn>> conns_;
  std::vector<PgConn*> free_;
  std::deque<std::shared_ptr<Waiter>> waiters_;
  bool stopped_ = false;
};

}  // namespace techpulse::storage
