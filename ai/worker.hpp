#pragma once
// One assistant worker: a thread with its own io_context and its own database connection. The pool
// (ai/worker_pool.cpp) claims jobs with it; the turn runner (ai/turn_runner.cpp) runs one claimed turn.
#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "ai/assistant.hpp"
#include "ai/provider.hpp"
#include "logging/log.hpp"
#include "storage/assistant_store.hpp"

namespace techpulse::ai {

using storage::AssistantStore;
using storage::Millis;
using Clock = std::chrono::steady_clock;
using logging::Level;

template <class... A>
void log_line(Level level, std::string_view event, fmt::format_string<A...> f, A&&... a) {
  logging::log(level, "ai", event, f, std::forward<A>(a)...);
}

inline std::string quoted(std::string_view s) { return logging::quoted(s.substr(0, 300)); }

struct Worker {
  Worker(const Options& opts, std::string name)
      : opts(opts), name(std::move(name)), conn(ioc.get_executor(), opts.conninfo), wake(ioc) {
    provider = opts.provider == "openai" ? make_openai(opts, ioc.get_executor()) : make_extractive();
  }

  asio::awaitable<void> run();
  asio::awaitable<void> run_turn(const storage::ClaimedJob& job);
  // status / code are literals; message a named string (no temporaries in co_await expressions: g++ 12).
  asio::awaitable<void> end_turn(const storage::ClaimedJob& job, const storage::TurnInput& turn, const char* status,
                                 const char* code, const std::string& message);
  void poke() {
    poked = true;
    wake.cancel();
  }
  void cancel(const std::string& job_id) {
    if (current_job == job_id && cancel_current) cancel_current(true);
  }

  // Sleeps on `wake` unless the worker is stopping; poke() and stop end it early.
  asio::awaitable<void> pause(Millis d) {
    if (stopping) co_return;
    wake.expires_after(d);
    boost::system::error_code ec;
    co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  // Declared before ioc, so they outlive it: a coroutine frame that ioc destroys (a worker stopped the hard way)
  // may still reset them on its way out. The I/O objects below need ioc, so they come after it.
  const Options& opts;
  std::string name;
  bool stopping = false;
  bool poked = false;
  std::string current_job;
  // The turn's user message was stored this long before `claimed_at` (the claim's view, by the database's clock).
  Clock::time_point claimed_at;
  double claimed_age_s = 0;
  double since_commit_s() const { return claimed_age_s + std::chrono::duration<double>(Clock::now() - claimed_at).count(); }
  std::function<void(bool by_user)> cancel_current;  // by_user false: the node is stopping
  std::atomic<bool> finished{false};                  // ioc.run() returned: nothing of this worker is suspended
  asio::io_context ioc{1};
  storage::PgConn conn;
  asio::steady_timer wake;
  std::unique_ptr<Provider> provider;
  std::thread thread;
};

}  // namespace techpulse::ai
