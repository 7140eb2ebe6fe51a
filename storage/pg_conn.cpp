#include "storage/pg_conn.hpp"

#include "metrics/metrics.hpp"

#include <unistd.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

namespace techpulse::storage {

struct PgTimer {
  explicit PgTimer(asio::any_io_executor ex) : timer(ex) {}
  asio::steady_timer timer;
  bool fired = false;
};

int64_t PgResult::get_int(int row, int col) const {
  auto s = get(row, col);
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

PgConn::PgConn(asio::any_io_executor ex, std::string conninfo)
    : ex_(std::move(ex)), conninfo_(std::move(conninfo)), timer_(std::make_shared<PgTimer>(ex_)) {}

PgConn::~PgConn() { close(); }

namespace {

// Every failed request is counted once, by its SQLSTATE class (techpulse_db_errors_total).
PgOutcome<PgResult> counted(PgOutcome<PgResult> r) {
  if (!r.ok()) metrics::db_error(r.error.sqlstate);
  return r;
}

}  // namespace

bool PgConn::connected() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK && sd_ != nullptr; }

PgError PgConn::closed_meanwhile() {
  return PgError{PgError::connection, {}, "the connection was closed while the operation waited"};
}

void PgConn::close() {
  ++generation_;
  timer_->timer.cancel();
  if (sd_) {
    boost::system::error_code ec;
    sd_->close(ec);
    sd_.reset();
  }
  if (conn_) {
    PQfinish(conn_);
    conn_ = nullptr;
  }
}

PgError PgConn::conn_error(std::string_view what) {
  std::string msg(what);
  if (conn_) {
    const char* m = PQerrorMessage(conn_);
    if (m && *m) {
      msg += ": ";
      msg += m;
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    }
  }
  close();
  return PgError{PgError::connection, {}, msg};
}

void PgConn::arm_timer(Millis timeout) {
  // A fresh shared state per operation, so a late expiry of an old timer cannot cancel a newer operation.
  timer_->timer.cancel();
  timer_ = std::make_shared<PgTimer>(ex_);
  timer_->timer.expires_after(timeout);
  std::weak_ptr<PgTimer> weak = timer_;
  timer_->timer.async_wait([this, weak](boost::system::error_code ec) {
    auto t = weak.lock();
    if (ec || !t || t != timer_) {
      return;
    }
    t->fired = true;
    if (sd_) {
      boost::system::error_code ignore;
      sd_->cancel(ignore);
    }
  });
}

asio::awaitable<bool> PgConn::wait(Wait w) {
  if (!sd_) {
    co_return false;
  }
  auto t = timer_;
  boost::system::error_code ec;
  co_await sd_->async_wait(w == Wait::read ? asio::posix::descriptor_base::wait_read
                                           : asio::posix::descriptor_base::wait_write,
                           asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec && !t->fired;
}

asio::awaitable<std::optional<PgError>> PgConn::connect(Millis timeout) {
  close();
  conn_ = PQconnectStart(conninfo_.c_str());
  if (!conn_ || PQstatus(conn_) == CONNECTION_BAD) {
    co_return conn_error("cannot connect to PostgreSQL");
  }
  arm_timer(timeout);
  auto t = timer_;
  const auto gen = generation_;
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK) {
    if (st == PGRES_POLLING_FAILED) {
      co_return conn_error("cannot connect to PostgreSQL");
    }
    // The socket can change while libpq tries addresses: wrap the current one for this step only.
    int fd = PQsocket(conn_);
    if (fd < 0) {
      co_return conn_error("cannot connect to PostgreSQL");
    }
    sd_ = std::make_unique<asio::posix::stream_descriptor>(ex_, ::dup(fd));
    bool ok = co_await wait(st == PGRES_POLLING_READING ? Wait::read : Wait::write);
    if (superseded(gen)) co_return closed_meanwhile();
    boost::system::error_code ignore;
    sd_->close(ignore);
    sd_.reset();
    if (!ok) {
      co_return t->fired ? (close(), PgError{PgError::timeout, {}, "connecting to PostgreSQL timed out"})
                         : conn_error("cannot connect to PostgreSQL");
    }
    st = PQconnectPoll(conn_);
  }
  timer_->timer.cancel();
  // Server NOTICEs (e.g. "already exists, skipping") are not errors; keep them off stderr.
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  if (PQsetnonblocking(conn_, 1) != 0) {
    co_return conn_error("cannot make the connection non-blocking");
  }
  sd_ = std::make_unique<asio::posix::stream_descriptor>(ex_, ::dup(PQsocket(conn_)));
  co_return std::nullopt;
}

asio::awaitable<PgOutcome<PgResult>> PgConn::collect(Millis timeout) {
  arm_timer(timeout);
  auto t = timer_;
  const auto gen = generation_;
  // Flush what libpq could not write at once.
  for (;;) {
    int r = PQflush(conn_);
    if (r == 0) break;
    if (r < 0) co_return PgOutcome<PgResult>::fail(conn_error("lost the connection to PostgreSQL"));
    bool ok = co_await wait(Wait::write);
    if (superseded(gen)) co_return PgOutcome<PgResult>::fail(closed_meanwhile());
    if (!ok) {
      if (t->fired) {
        close();
        co_return PgOutcome<PgResult>::fail(PgError{PgError::timeout, {}, "PostgreSQL did not answer in time"});
      }
      co_return PgOutcome<PgResult>::fail(conn_error("lost the connection to PostgreSQL"));
    }
  }
  PgResult last;
  std::optional<PgError> first_error;
  for (;;) {
    while (PQisBusy(conn_)) {
      bool ok = co_await wait(Wait::read);
      if (superseded(gen)) co_return PgOutcome<PgResult>::fail(closed_meanwhile());
      if (!ok) {
        if (t->fired) {
          close();
          co_return PgOutcome<PgResult>::fail(PgError{PgError::timeout, {}, "PostgreSQL did not answer in time"});
        }
        co_return PgOutcome<PgResult>::fail(conn_error("lost the connection to PostgreSQL"));
      }
      if (!PQconsumeInput(conn_)) {
        co_return PgOutcome<PgResult>::fail(conn_error("lost the connection to PostgreSQL"));
      }
    }
    PGresult* r = PQgetResult(conn_);
    if (!r) break;
    auto status = PQresultStatus(r);
    if (status == PGRES_FATAL_ERROR && !first_error) {
      const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      const char* msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
      first_error = PgError{PgError::query, state ? state : "", msg ? msg : "query failed"};
    }
    last = PgResult(r);
  }
  timer_->timer.cancel();
  if (PQstatus(conn_) != CONNECTION_OK) {
    co_return PgOutcome<PgResult>::fail(conn_error("lost the connection to PostgreSQL"));
  }
  if (first_error) {
    // Connection-class SQLSTATEs (08xxx, 57P01 admin shutdown) mean the database went away.
    if (first_error->sqlstate.rfind("08", 0) == 0 || first_error->sqlstate.rfind("57P", 0) == 0) {
      first_error->kind = PgError::connection;
      close();
    }
    co_return PgOutcome<PgResult>::fail(*first_error);
  }
  co_return PgOutcome<PgResult>{std::move(last), {}};
}

asio::awaitable<PgOutcome<PgResult>> PgConn::query(std::string_view sql, const Params& params, Millis timeout) {
  if (!connected()) {
    co_return counted(PgOutcome<PgResult>::fail(PgError{PgError::connection, {}, "not connected to PostgreSQL"}));
  }
  std::string sql_z(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) {
    values.push_back(p ? p->c_str() : nullptr);
  }
  if (!PQsendQueryParams(conn_, sql_z.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                         nullptr, 0)) {
    co_return counted(PgOutcome<PgResult>::fail(conn_error("cannot send the query")));
  }
  co_return counted(co_await collect(timeout));
}

asio::awaitable<PgOutcome<PgResult>> PgConn::exec(std::string_view sql, Millis timeout) {
  if (!connected()) {
    co_return counted(PgOutcome<PgResult>::fail(PgError{PgError::connection, {}, "not connected to PostgreSQL"}));
  }
  std::string sql_z(sql);
  if (!PQsendQuery(conn_, sql_z.c_str())) {
    co_return counted(PgOutcome<PgResult>::fail(conn_error("cannot send the query")));
  }
  co_return counted(co_await collect(timeout));
}

asio::awaitable<std::optional<PgError>> PgConn::wait_input(std::optional<Millis> timeout) {
  if (!connected()) {
    co_return PgError{PgError::connection, {}, "not connected to PostgreSQL"};
  }
  if (timeout) {
    arm_timer(*timeout);
  }
  auto t = timer_;
  const auto gen = generation_;
  bool ok = co_await wait(Wait::read);
  if (superseded(gen)) co_return closed_meanwhile();
  if (timeout) {
    t->timer.cancel();
  }
  if (!ok && !(timeout && t->fired)) {
    co_return conn_error("lost the connection to PostgreSQL");
  }
  if (!PQconsumeInput(conn_) || PQstatus(conn_) != CONNECTION_OK) {
    co_return conn_error("lost the connection to PostgreSQL");
  }
  co_return std::nullopt;
}

std::optional<PgConn::Notification> PgConn::next_notification() {
  if (!conn_) {
    return std::nullopt;
  }
  PGnotify* n = PQnotifies(conn_);
  if (!n) {
    return std::nullopt;
  }
  Notification out{n->relname, n->extra};
  PQfreemem(n);
  return out;
}

}  // namespace techpulse::storage
