// The worker pool: each worker is a thread with its own io_context and its own database connection; it claims a
// job, has the turn runner run it (ai/turn_runner.cpp) and claims the next.
#include <fmt/format.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "ai/assistant.hpp"
#include "ai/worker.hpp"

namespace techpulse::ai {

void validate(const Options& o) {
  if (o.provider != "extractive" && o.provider != "openai") {
    throw std::invalid_argument("TECHPULSE_AI_PROVIDER must be extractive or openai");
  }
  if (o.provider == "openai") {
    if (o.base_url.rfind("http://", 0) != 0 && o.base_url.rfind("https://", 0) != 0) {
      throw std::invalid_argument("TECHPULSE_AI_PROVIDER=openai needs TECHPULSE_AI_BASE_URL (http:// or https://)");
    }
    if (o.model.empty()) throw std::invalid_argument("TECHPULSE_AI_PROVIDER=openai needs TECHPULSE_AI_MODEL");
  }
}

asio::awaitable<void> Worker::run() {
  const Millis connect_timeout{2000};
  const Millis qt{5000};
  const Millis poll{std::max(50, std::min(opts.poll_ms, opts.lease_ms / 2))};
  const storage::Lease lease{name, Millis{opts.lease_ms}};
  Millis backoff{100};
  auto last_sweep = Clock::time_point{};
  while (!stopping) {
    if (!conn.connected()) {
      auto err = co_await conn.connect(connect_timeout);
      if (err) {
        if (stopping) break;
        log_line(Level::warn, "db_unavailable", "worker={} error={}", name, quoted(err->message));
        co_await pause(backoff);
        backoff = std::min(backoff * 2, Millis{5000});
        continue;
      }
      backoff = Millis{100};
    }
    if (Clock::now() - last_sweep >= poll) {
      last_sweep = Clock::now();
      auto s = co_await AssistantStore::sweep(conn, opts.max_attempts, qt);
      if (s.ok() && *s.value > 0) log_line(Level::warn, "jobs_given_up", "worker={} jobs={}", name, *s.value);
    }
    poked = false;
    auto job = co_await AssistantStore::claim(conn, lease, opts.max_attempts, qt);
    if (!job.ok()) {
      if (stopping) break;
      log_line(Level::warn, "claim_failed", "worker={} error={}", name, quoted(job.error.message));
      co_await pause(backoff);
      continue;
    }
    if (*job.value) {
      storage::ClaimedJob claimed = **job.value;
      co_await run_turn(claimed);
      continue;
    }
    if (poked) continue;  // a job was announced while we were claiming
    co_await pause(poll);
  }
  conn.close();
}

struct WorkerPool::Impl {
  Options opts;
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<storage::JobListener> listener;
  bool started = false;
};

WorkerPool::WorkerPool(Options opts) : impl_(std::make_unique<Impl>()) {
  validate(opts);
  impl_->opts = std::move(opts);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string node = fmt::format("{}:{}", host, ::getpid());
  for (unsigned i = 0; i < impl_->opts.workers; ++i) {
    impl_->workers.push_back(std::make_unique<Worker>(impl_->opts, fmt::format("{}/{}", node, i)));
  }
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::start() {
  if (impl_->workers.empty() || impl_->started) return;
  impl_->started = true;
  auto* self = impl_.get();
  // The LISTEN connection lives on worker 0's loop and pokes every worker.
  impl_->listener = std::make_unique<storage::JobListener>(
      impl_->workers[0]->ioc.get_executor(), impl_->opts.conninfo,
      [self](const std::string&) {
        for (auto& w : self->workers) asio::post(w->ioc, [wp = w.get()] { wp->poke(); });
      },
      [self](const std::string& job) {
        for (auto& w : self->workers) asio::post(w->ioc, [wp = w.get(), job] { wp->cancel(job); });
      });
  for (auto& w : impl_->workers) {
    asio::co_spawn(w->ioc, w->run(), [name = w->name](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log_line(Level::error, "worker_died", "worker={} error={}", name, quoted(ex.what()));
      }
    });
  }
  asio::post(impl_->workers[0]->ioc, [self] { self->listener->start(); });
  for (auto& w : impl_->workers) {
    w->thread = std::thread([wp = w.get()] {
      wp->ioc.run();
      wp->finished = true;
    });
  }
  log_line(Level::info, "workers_started", "workers={} provider={} lease_ms={}", impl_->workers.size(), impl_->opts.provider,
           impl_->opts.lease_ms);
}

void WorkerPool::stop() {
  if (!impl_->started) return;
  impl_->started = false;
  auto* self = impl_.get();
  asio::post(impl_->workers[0]->ioc, [self] { self->listener->stop(); });
  for (auto& w : impl_->workers) {
    asio::post(w->ioc, [wp = w.get()] {
      wp->stopping = true;
      wp->wake.cancel();
      if (wp->cancel_current) wp->cancel_current(false);
      wp->conn.close();  // a query in flight returns at once
    });
  }
  // A turn in flight is not finished here: its lease runs out and another worker runs it again. Everything was
  // cancelled, so each loop runs out of work and its thread ends by itself, its coroutines completed rather than
  // left suspended; ioc.stop() is only the fallback for one that does not (e.g. a DNS lookup in progress).
  auto deadline = Clock::now() + std::chrono::seconds(2);
  for (auto& w : impl_->workers) {
    while (!w->finished && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& w : impl_->workers) {
    if (!w->finished) {
      log_line(Level::warn, "worker_stop_forced", "worker={}", w->name);
      w->ioc.stop();
    }
  }
  for (auto& w : impl_->workers) {
    if (w->thread.joinable()) w->thread.join();
  }
}

}  // namespace techpulse::ai

