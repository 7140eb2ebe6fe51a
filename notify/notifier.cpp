#include "notify/notifier.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <stdexcept>

#include "logging/log.hpp"
#include "storage/outbox_store.hpp"

namespace techpulse::notify {

using logging::Level;
using storage::NotificationFate;
using Millis = std::chrono::milliseconds;

void validate(const Options& o) {
  if (o.webhook_url.empty()) return;
  if (!parse_http_url(o.webhook_url)) {
    throw std::invalid_argument(fmt::format(
        "--webhook-url: expected http://host[:port][/path], got \"{}\" (https: put a local TLS relay in front)",
        o.webhook_url));
  }
  if (o.secret.empty()) throw std::invalid_argument("--webhook-secret is required with --webhook-url");
}

Millis retry_delay(Millis base, int failed_attempts) {
  Millis d = base;
  for (int i = 1; i < failed_attempts && d < std::chrono::hours(1); ++i) d *= 2;
  return std::min<Millis>(d, std::chrono::hours(1));
}

struct Notifier::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, storage::PgPool& pool, Options opts, std::function<bool(const std::string&)> online)
      : ex(ex), pool(pool), opts(std::move(opts)), online(std::move(online)), timer(ex) {}

  asio::any_io_executor ex;
  storage::PgPool& pool;
  Options opts;
  HttpUrl url;
  std::function<bool(const std::string&)> online;
  asio::steady_timer timer;
  bool stopped = false;

  // How often due rows are looked for: a quarter of notify_after, between 50 ms and 1 s.
  Millis tick() const { return std::clamp<Millis>(opts.notify_after / 4, Millis{50}, Millis{1000}); }

  asio::awaitable<void> run(std::shared_ptr<Impl> self) {
    while (!stopped) {
      co_await round();
      if (stopped) break;
      timer.expires_after(tick());
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  asio::awaitable<void> round() {
    // A lease covers the POSTs of a batch; a node that dies mid-batch leaves rows another node takes after it.
    constexpr int kBatch = 20;
    const Millis lease = opts.timeout * (kBatch + 1);
    for (;;) {
      auto due = co_await storage::claim_due_notifications(pool, opts.notify_after, kBatch, lease);
      if (stopped) co_return;
      if (!due.ok()) {
        logging::log(Level::warn, "notify", "notify_claim_failed", "error={}", logging::quoted(due.error.message));
        co_return;
      }
      for (auto& n : *due.value) {
        if (stopped) co_return;
        co_await one(n);
      }
      if (due.value->size() < static_cast<size_t>(kBatch)) co_return;
    }
  }

  asio::awaitable<void> settle(const storage::DueNotification& n, NotificationFate fate, Millis delay,
                               std::string error) {
    auto r = co_await storage::settle_notification(pool, n.id, fate, delay, std::move(error));
    if (!r.ok()) {
      logging::log(Level::warn, "notify", "notify_settle_failed", "notification={} error={}", n.id,
                        logging::quoted(r.error.message));
    }
  }

  asio::awaitable<void> one(const storage::DueNotification& n) {
    if (n.moot) {
      co_await settle(n, NotificationFate::cancelled, Millis{0}, {});
      co_return;
    }
    if (n.expired) {
      logging::log(Level::warn, "notify", "notify_gave_up", "notification={} attempts={}", n.id, n.attempts);
      co_await settle(n, NotificationFate::failed, Millis{0}, "no delivery within 24 hours");
      co_return;
    }
    if (online(n.recipient_id)) {
      // They have the app open somewhere: the unread badge is their notice. Looked at again later, until read.
      co_await settle(n, NotificationFate::deferred, opts.notify_after, {});
      co_return;
    }
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    auto sig = signature_value(opts.secret, now, n.body);
    auto res = co_await post_signed(ex, url, n.body, std::move(sig), opts.timeout);
    if (stopped) co_return;
    if (res.ok()) {
      logging::log(Level::info, "notify", "notify_sent", "notification={} recipient={} attempt={} status={}", n.id,
                        n.recipient_id, n.attempts + 1, res.status);
      co_await settle(n, NotificationFate::sent, Millis{0}, {});
    } else {
      auto delay = retry_delay(opts.retry_base, n.attempts + 1);
      logging::log(Level::warn, "notify", "notify_failed", "notification={} attempt={} error={} retry_ms={}", n.id,
                        n.attempts + 1, logging::quoted(res.error), delay.count());
      co_await settle(n, NotificationFate::retry, delay, res.error);
    }
  }
};

Notifier::Notifier(asio::any_io_executor store_ex, storage::PgPool& pool, Options opts,
                   std::function<bool(const std::string&)> online)
    : impl_(std::make_shared<Impl>(store_ex, pool, std::move(opts), std::move(online))) {}

Notifier::~Notifier() = default;

void Notifier::start() {
  if (impl_->opts.webhook_url.empty()) return;
  impl_->url = *parse_http_url(impl_->opts.webhook_url);
  asio::co_spawn(impl_->ex, impl_->run(impl_), asio::detached);
}

void Notifier::stop() {
  impl_->stopped = true;
  impl_->timer.cancel();
}

}  // namespace techpulse::notify
