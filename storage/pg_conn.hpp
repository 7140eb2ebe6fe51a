#pragma once
// storage: the only module that speaks SQL. It owns every SQL string, the migrations, and the libpq connections,
// which it drives without blocking from an Asio executor: the libpq socket is dup'ed into a
// posix::stream_descriptor and libpq is only called after async_wait says the socket is ready.
// It must not know about WebSockets or sessions.
#include <libpq-fe.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace techpulse::storage {

namespace asio = boost::asio;
using Millis = std::chrono::milliseconds;

// A typed error: what went wrong, and the SQLSTATE when the server said.
struct PgError {
  enum Kind { connection, timeout, query } kind = query;
  std::string sqlstate;
  std::string message;
  // A connection or timeout error means the database is (for now) unreachable: clients get `unavailable`.
  bool unavailable() const { return kind != query; }
};

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : r_(r) {}
  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string_view get(int row, int col) const {
    return {PQgetvalue(r_.get(), row, col), static_cast<size_t>(PQgetlength(r_.get(), row, col))};
  }
  int64_t get_int(int row, int col) const;
  bool get_bool(int row, int col) const { return get(row, col) == "t"; }

 private:
  std::unique_ptr<PGresult, PgResultDeleter> r_;
};

// A value or a PgError.
template <class T>
struct PgOutcome {
  std::optional<T> value;
  PgError error;
  bool ok() const { return value.has_value(); }
  static PgOutcome fail(PgError e) { return PgOutcome{std::nullopt, std::move(e)}; }
};

// Text parameters; nullopt is SQL NULL.
using Params = std::vector<std::optional<std::string>>;

// Helpers for the stores' coroutines. params(...) builds query parameters as a named value outside the co_await
// expression (g++ 12 miscompiles braced lists and temporaries inside it).
template <class... A>
Params params(A&&... a) {
  Params p;
  (p.emplace_back(std::forward<A>(a)), ...);
  return p;
}

template <class T>
PgOutcome<T> fail(PgError e) {
  return PgOutcome<T>::fail(std::move(e));
}

template <class T>
PgOutcome<T> ok(T v) {
  return PgOutcome<T>{std::move(v), {}};
}

// One libpq connection, owned by one executor. Not thread-safe: use it only from its executor.
class PgConn {
 public:
  PgConn(asio::any_io_executor ex, std::string conninfo);
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  asio::awaitable<std::optional<PgError>> connect(Millis timeout);
  // One statement with text parameters, extended protocol. A timeout or a lost connection closes the connection.
  asio::awaitable<PgOutcome<PgResult>> query(std::string_view sql, const Params& params, Millis timeout);
  // The same with the parameters whose bit is set in `binary` sent as raw bytes (bytea), and, with binary_result,
  // every result column in binary form (used for attachment chunks: no hex encoding either way).
  asio::awaitable<PgOutcome<PgResult>> query(std::string_view sql, const Params& params, Millis timeout,
                                             uint64_t binary, bool binary_result);
  // Several statements in the simple protocol (migrations, LISTEN). The last result is returned.
  asio::awaitable<PgOutcome<PgResult>> exec(std::string_view sql, Millis timeout);

  // For LISTEN: wait until the socket is readable, read what arrived, and take notifications one by one.
  // wait_input returns an error when the connection is lost.
  asio::awaitable<std::optional<PgError>> wait_input(std::optional<Millis> timeout);
  struct Notification {
    std::string channel;
    std::string payload;
  };
  std::optional<Notification> next_notification();

  bool connected() const;
  void close();
  asio::any_io_executor executor() const { return ex_; }

 private:
  enum class Wait { read, write };
  // False when cancelled (timeout), broken, or closed while suspended (then generation_ changed).
  asio::awaitable<bool> wait(Wait w);
  asio::awaitable<PgOutcome<PgResult>> collect(Millis timeout);
  PgError conn_error(std::string_view what);
  void arm_timer(Millis timeout);

  asio::any_io_executor ex_;
  std::string conninfo_;
  PGconn* conn_ = nullptr;
  std::unique_ptr<asio::posix::stream_descriptor> sd_;
  std::shared_ptr<struct PgTimer> timer_;
  // Bumped by every close(). A coroutine suspended in wait() may find on resumption that someone else closed
  // (and perhaps reopened) the connection: it must then touch neither conn_ nor sd_, which are no longer its own.
  uint64_t generation_ = 0;
  bool superseded(uint64_t gen) const { return gen != generation_; }
  static PgError closed_meanwhile();
};

}  // namespace techpulse::storage
