#pragma once
// notify: the offline notifications of the support desk (docs/webhooks.md). Owns the dispatcher that every node
// runs on its storage loop: it claims due outbox rows (storage/outbox_store.hpp; one node per attempt, SKIP LOCKED
// and a lease), cancels those read meanwhile, defers those whose participant has an open session (the cluster's
// presence answers), POSTs the rest signed (webhook.hpp) and records sent / retry with backoff / failed after 24 h.
// The rule of who is notified for which message lives in SQL (010_desk.sql); nothing here decides it.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "notify/webhook.hpp"
#include "storage/pg_pool.hpp"

namespace techpulse::notify {

struct Options {
  std::string webhook_url;  // http:// only
  std::string secret;
  std::chrono::milliseconds notify_after{60000};
  std::chrono::milliseconds retry_base{10000};
  std::chrono::milliseconds timeout{10000};
};

// Throws std::invalid_argument for a URL that is not http://host[:port][/path] or a URL without a secret.
void validate(const Options& o);

// The delay before retry n (n = POSTs already failed, from 1): base × 2^(n-1), at most an hour.
std::chrono::milliseconds retry_delay(std::chrono::milliseconds base, int failed_attempts);

class Notifier {
 public:
  // online(user): on the storage loop, whether the user has an open session on any node.
  Notifier(asio::any_io_executor store_ex, storage::PgPool& pool, Options opts,
           std::function<bool(const std::string&)> online);
  ~Notifier();
  // On the storage loop: starts the dispatcher (nothing when no URL is configured).
  void start();
  // On the storage loop: stops after the attempt in flight (a row it leaves leased is taken again after its lease).
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace techpulse::notify
