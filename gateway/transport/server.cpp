#include "gateway/transport/server.hpp"

#include "storage/desk_store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/transport/http_session.hpp"
#include "gateway/transport/metrics_http.hpp"
#include "gateway/log.hpp"

namespace techpulse::gateway {

asio::ip::tcp::endpoint parse_endpoint(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("--listen must be address:port");
  std::string host = listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  int port = std::stoi(listen.substr(colon + 1));
  if (port < 0 || port > 65535) throw std::invalid_argument("--listen port out of range");
  return {asio::ip::make_address(host.empty() ? "0.0.0.0" : host), static_cast<unsigned short>(port)};
}

Server::Server(Config cfg, std::shared_ptr<TlsCredentials> tls)
    : cfg_(std::move(cfg)), tls_(std::move(tls)), limiter_(cfg_.max_connections, cfg_.max_connections_per_ip) {
  unsigned n = cfg_.threads ? cfg_.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) loops_.push_back(std::make_unique<realtime::Loop>(i));
  storage::PoolOptions pool{cfg_.database_url, cfg_.db_pool_size, std::chrono::milliseconds(cfg_.db_connect_timeout_ms),
                            std::chrono::milliseconds(cfg_.db_timeout_ms)};
  store_ = std::make_unique<storage::ChatStore>(db_ioc_.get_executor(), pool,
                                                storage::WriterOptions{cfg_.db_writers, cfg_.db_max_batch});
  listener_ = std::make_unique<storage::Listener>(*store_, fanout_, cfg_.database_url);
  presence_ = std::make_unique<realtime::Presence>(db_ioc_.get_executor(), loops_, cfg_.database_url,
                                                   std::chrono::milliseconds(cfg_.heartbeat_ms),
                                                   std::chrono::milliseconds(cfg_.db_timeout_ms));
  fanout_.set_presence(presence_.get());
  row_store_ = std::make_unique<storage::RowChangeStore>(store_->pool());
  fanout_.set_row_store(row_store_.get());
  row_feed_ = std::make_unique<realtime::RowFeed>(db_ioc_.get_executor(), *store_, fanout_.row_watchers());
  sweeper_ = std::make_unique<storage::AttachmentSweeper>(store_->pool(), cfg_.attachment_orphan_ttl_s);
  reads_ = std::make_unique<realtime::CoalescedReads>(*store_, cfg_.admission_concurrency, cfg_.admission_queue);
  services_ = std::make_unique<realtime::Services>(realtime::Services{
      cfg_, *store_, *listener_, sessions_, presence_.get(), &fanout_.row_watchers(), reads_.get()});
  ai::Options ai;
  ai.conninfo = cfg_.database_url;
  ai.provider = cfg_.ai_provider;
  ai.workers = cfg_.ai_workers;
  ai.base_url = cfg_.ai_base_url;
  ai.model = cfg_.ai_model;
  ai.api_key = cfg_.ai_api_key;
  ai.ca_file = cfg_.ai_ca_file;
  ai.timeout_ms = cfg_.ai_timeout_ms;
  ai.retries = cfg_.ai_retries;
  ai.lease_ms = cfg_.ai_lease_ms;
  ai.max_attempts = cfg_.ai_max_attempts;
  ai.prompt_budget_chars = cfg_.ai_prompt_budget_chars;
  ai.history_messages = cfg_.ai_history_messages;
  ai.handoff_confidence = cfg_.ai_handoff_confidence;
  assistant_ = std::make_unique<ai::WorkerPool>(std::move(ai));
  notify::Options no;
  no.webhook_url = cfg_.webhook_url;
  no.secret = cfg_.webhook_secret;
  no.notify_after = std::chrono::milliseconds(static_cast<int64_t>(cfg_.notify_after_s * 1000));
  no.retry_base = std::chrono::milliseconds(cfg_.webhook_retry_base_ms);
  no.timeout = std::chrono::milliseconds(cfg_.webhook_timeout_ms);
  notifier_ = std::make_unique<notify::Notifier>(db_ioc_.get_executor(), store_->pool(), std::move(no),
                                                 [p = presence_.get()](const std::string& u) { return p->online(u); });
  if (cfg_.routing == "least-loaded") {
    // On the storage loop, every node: the ticket goes to the least loaded connected technician; tp_route_ticket's
    // WHERE lets one node's attempt win.
    fanout_.set_on_queued([this](const std::string& ticket_json) {
      auto at = ticket_json.find("\"id\": \"");
      size_t skip = 7;
      if (at == std::string::npos) {
        at = ticket_json.find("\"id\":\"");
        skip = 6;
      }
      if (at == std::string::npos) return;
      auto id = ticket_json.substr(at + skip, 36);
      auto candidates = presence_->online_users();
      if (candidates.empty()) return;
      asio::co_spawn(db_ioc_, route(id, std::move(candidates)), asio::detached);
    });
  }
}

asio::awaitable<void> Server::route(std::string ticket_id, std::vector<std::string> candidates) {
  auto r = co_await storage::route_ticket(store_->pool(), ticket_id, std::move(candidates));
  if (!r.ok()) {
    log(Level::warn, "route_failed", "ticket={} error={}", ticket_id, quoted(r.error.message));
  } else if (!r.value->empty()) {
    log(Level::info, "ticket_routed", "ticket={} technician={}", ticket_id, *r.value);
  }
}

Server::~Server() = default;

asio::awaitable<void> Server::accept_loop() {
  for (;;) {
    realtime::Loop& target = *loops_[next_loop_++ % loops_.size()];
    boost::system::error_code ec;
    auto socket = co_await acceptor_->async_accept(target.ioc, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
    if (ec) {
      // Out of file descriptors and similar: log, pause briefly, keep serving.
      log(Level::warn, "accept_failed", "error={}", quoted(ec.message()));
      asio::steady_timer t(acceptor_->get_executor(), std::chrono::milliseconds(50));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    auto address = socket.remote_endpoint(ec).address().to_string();
    ConnectionSlot slot;
    auto verdict = limiter_.acquire(address, slot);
    if (verdict != ConnectionLimiter::Verdict::ok) {
      bool global = verdict == ConnectionLimiter::Verdict::global_cap;
      log(Level::warn, "connection_refused", "remote={} cap={}", quoted(address), global ? "global" : "per_address");
      std::string why = global ? "the server is at its connection limit; retry later"
                               : "too many connections from this address";
      asio::co_spawn(target.ioc, refuse_http(*services_, std::move(socket), std::move(why), tls_ ? tls_->current() : nullptr),
                     asio::detached);
      continue;
    }
    asio::co_spawn(target.ioc,
                   serve_http(*services_, target, std::move(socket), std::move(slot), tls_ ? tls_->current() : nullptr),
                   asio::detached);
  }
}

asio::awaitable<void> Server::metrics_accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    auto socket = co_await metrics_acceptor_->async_accept(loops_[0]->ioc, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !metrics_acceptor_->is_open()) co_return;
    if (ec) {
      asio::steady_timer t(metrics_acceptor_->get_executor(), std::chrono::milliseconds(50));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    asio::co_spawn(loops_[0]->ioc, serve_metrics_http(*services_, std::move(socket)), asio::detached);
  }
}

void Server::shutdown() {
  boost::system::error_code ec;
  if (acceptor_) acceptor_->close(ec);
  if (metrics_acceptor_) metrics_acceptor_->close(ec);
  fanout_.drain_all();
}

void Server::wait_for_drain() {
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::milliseconds(cfg_.drain_timeout_ms);
  while (sessions_.load(std::memory_order_relaxed) > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto left = sessions_.load(std::memory_order_relaxed);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  if (left > 0) {
    log(Level::warn, "drain_timeout", "sessions_left={} drain_ms={}", left, took);
  } else {
    log(Level::info, "drained", "drain_ms={}", took);
  }
}

int Server::run() {
  auto endpoint = parse_endpoint(cfg_.listen);
  acceptor_ = std::make_unique<asio::ip::tcp::acceptor>(loops_[0]->ioc);
  acceptor_->open(endpoint.protocol());
  acceptor_->set_option(asio::socket_base::reuse_address(true));
  acceptor_->bind(endpoint);
  acceptor_->listen(asio::socket_base::max_listen_connections);
  if (!cfg_.metrics_listen.empty()) {
    auto metrics_endpoint = parse_endpoint(cfg_.metrics_listen);
    metrics_acceptor_ = std::make_unique<asio::ip::tcp::acceptor>(loops_[0]->ioc);
    metrics_acceptor_->open(metrics_endpoint.protocol());
    metrics_acceptor_->set_option(asio::socket_base::reuse_address(true));
    metrics_acceptor_->bind(metrics_endpoint);
    metrics_acceptor_->listen(asio::socket_base::max_listen_connections);
  }

  store_->start();
  listener_->start();
  asio::post(db_ioc_, [this] {
    presence_->start();
    notifier_->start();
    row_feed_->start();
    sweeper_->start();
  });
  assistant_->start();
  asio::co_spawn(loops_[0]->ioc, accept_loop(), asio::detached);
  if (metrics_acceptor_) asio::co_spawn(loops_[0]->ioc, metrics_accept_loop(), asio::detached);

  auto db_guard = asio::make_work_guard(db_ioc_);
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& loop : loops_) guards.push_back(asio::make_work_guard(loop->ioc));

  db_thread_ = std::thread([this] { db_ioc_.run(); });
  for (auto& loop : loops_) {
    loop->thread = std::thread([l = loop.get()] { l->ioc.run(); });
  }
  log(Level::info, "serving", "listen={} tls={} metrics_listen={} loops={} pool={} writers={}", cfg_.listen,
      tls_ ? "on" : "off", cfg_.metrics_listen.empty() ? cfg_.listen : cfg_.metrics_listen, loops_.size(),
      cfg_.db_pool_size, cfg_.db_writers);

  // Wait for SIGINT/SIGTERM on the calling thread.
  asio::io_context sig_ioc(1);
  asio::signal_set signals(sig_ioc, SIGINT, SIGTERM);
  int got = 0;
  signals.async_wait([&](boost::system::error_code, int sig) { got = sig; });
  sig_ioc.run();
  log(Level::info, "shutting_down", "signal={}", got);

  asio::post(loops_[0]->ioc, [this] { shutdown(); });
  wait_for_drain();
  assistant_->stop();  // a turn in flight is taken again by another node after its lease
  asio::post(db_ioc_, [this] {
    presence_->stop();  // the other nodes drop this node's users at once
    notifier_->stop();
    row_feed_->stop();
    sweeper_->stop();
    store_->stop();
    listener_->stop();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (auto& loop : loops_) loop->ioc.stop();
  db_ioc_.stop();
  for (auto& loop : loops_) loop->thread.join();
  db_thread_.join();
  log(Level::info, "stopped", "");
  return 0;
}

}  // namespace techpulse::gateway
