#include "gateway/transport/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "gateway/transport/http_session.hpp"
#include "gateway/log.hpp"
#include "protocol/events.hpp"

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

Server::Server(Config cfg)
    : cfg_(std::move(cfg)), limiter_(cfg_.max_connections, cfg_.max_connections_per_ip) {
  unsigned n = cfg_.threads ? cfg_.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) loops_.push_back(std::make_unique<Loop>(i));
  storage::PoolOptions pool{cfg_.database_url, cfg_.db_pool_size, std::chrono::milliseconds(cfg_.db_connect_timeout_ms),
                            std::chrono::milliseconds(cfg_.db_timeout_ms)};
  store_ = std::make_unique<storage::ChatStore>(db_ioc_.get_executor(), pool,
                                                storage::WriterOptions{cfg_.db_writers, cfg_.db_max_batch});
  listener_ = std::make_unique<storage::Listener>(*store_, *this, cfg_.database_url);
  services_ = std::make_unique<Services>(Services{cfg_, *store_, *listener_, *this});
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
  assistant_ = std::make_unique<ai::WorkerPool>(std::move(ai));
}

Server::~Server() = default;

void Server::on_message(const storage::ChatEvent& ev) {
  // Encoded once per topic; the same bytes go to every subscriber on every loop.
  auto frame = std::make_shared<const std::string>(protocol::encode_message("thread:" + ev.thread_id, ev.seq, ev.message_json));
  Frame ticket_frame;
  if (!ev.ticket_id.empty()) {
    ticket_frame = std::make_shared<const std::string>(protocol::encode_message("ticket:" + ev.ticket_id, ev.seq, ev.message_json));
  }
  for (auto& loop : loops_) {
    bool first;
    {
      std::lock_guard<std::mutex> g(loop->inbox_mutex);
      first = loop->inbox.empty();
      loop->inbox.push_back({ev.thread_id, ev.ticket_id, ev.seq, frame, ticket_frame});
      loop->inbox_pending.store(loop->inbox.size(), std::memory_order_relaxed);
    }
    if (!first) continue;
    asio::post(loop->ioc, [l = loop.get()] {
      std::vector<Loop::Delivery> batch;
      {
        std::lock_guard<std::mutex> g(l->inbox_mutex);
        batch.swap(l->inbox);
        l->inbox_pending.store(0, std::memory_order_relaxed);
      }
      for (const auto& d : batch) l->hub.deliver_message(d.thread_id, d.ticket_id, d.seq, d.frame, d.ticket_frame);
    });
  }
}

void Server::on_event(char kind, const std::string& key, const std::string& json) {
  using protocol::TopicKind;
  std::string_view type;
  TopicKind topic_kind;
  std::string_view field;
  switch (kind) {
    case 'T': type = "ticket.updated"; topic_kind = TopicKind::ticket; field = "ticket"; break;
    case 'W': type = "work_order.updated"; topic_kind = TopicKind::ticket; field = "work_order"; break;
    case 'H': type = "thread.updated"; topic_kind = TopicKind::user; field = "thread"; break;
    case 'A': type = "ticket.assigned"; topic_kind = TopicKind::user; field = "ticket"; break;
    case 'R': type = "ticket.unassigned"; topic_kind = TopicKind::user; field = "ticket"; break;
    default: return;
  }
  std::string topic = (topic_kind == TopicKind::ticket ? "ticket:" : "user:") + key;
  auto frame = std::make_shared<const std::string>(protocol::encode_event(type, topic, field, json));
  for (auto& loop : loops_) {
    asio::post(loop->ioc, [l = loop.get(), topic_kind, key, frame] { l->hub.deliver_event(topic_kind, key, frame); });
  }
}

void Server::on_access_change(char kind, const std::string& id) {
  for (auto& loop : loops_) {
    asio::post(loop->ioc, [l = loop.get(), kind, id] {
      if (kind == 'u') {
        std::vector<Subscriber*> mine;
        for (auto* s : l->hub.sessions()) {
          if (s->user_id() == id) mine.push_back(s);
        }
        for (auto* s : mine) s->recheck_access();
      } else if (kind == 't') {
        for (auto* s : l->hub.thread_subscribers(id)) s->recheck_access();
      }
    });
  }
}

void Server::on_resync() {
  for (auto& loop : loops_) {
    asio::post(loop->ioc, [l = loop.get()] {
      std::vector<Subscriber*> all(l->hub.sessions().begin(), l->hub.sessions().end());
      for (auto* s : all) s->recheck_access();
    });
  }
}

void Server::on_assistant(const std::string& thread_id, const std::string& ticket_id, const std::string& json) {
  auto frame = std::make_shared<const std::string>(json);
  for (auto& loop : loops_) {
    asio::post(loop->ioc, [l = loop.get(), thread_id, ticket_id, frame] {
      l->hub.deliver_assistant(thread_id, ticket_id, frame);
    });
  }
}

void Server::on_typing(const storage::TypingEvent& ev) {
  auto frame = std::make_shared<const std::string>(protocol::encode_typing(ev.thread_id, ev.user_id));
  for (auto& loop : loops_) {
    asio::post(loop->ioc, [l = loop.get(), ev, frame] { l->hub.deliver_typing(ev.thread_id, ev.session_id, frame); });
  }
}

asio::awaitable<std::vector<storage::ThreadCursor>> Server::live_threads() {
  std::unordered_map<std::string, int64_t> lowest;
  for (auto& loop : loops_) {
    auto part = co_await asio::co_spawn(
        loop->ioc,
        [l = loop.get()]() -> asio::awaitable<std::vector<storage::ThreadCursor>> { co_return l->hub.live_threads(); },
        asio::use_awaitable);
    for (auto& tc : part) {
      auto [it, inserted] = lowest.emplace(tc.thread_id, tc.after);
      if (!inserted) it->second = std::min(it->second, tc.after);
    }
  }
  std::vector<storage::ThreadCursor> out;
  for (auto& [t, s] : lowest) out.push_back({t, s});
  co_return out;
}

asio::awaitable<void> Server::accept_loop() {
  for (;;) {
    Loop& target = *loops_[next_loop_++ % loops_.size()];
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
      asio::co_spawn(target.ioc, refuse_http(*services_, std::move(socket), std::move(why)), asio::detached);
      continue;
    }
    asio::co_spawn(target.ioc, serve_http(*services_, target, std::move(socket), std::move(slot)), asio::detached);
  }
}

void Server::shutdown() {
  boost::system::error_code ec;
  if (acceptor_) acceptor_->close(ec);
  for (auto& loop : loops_) {
    asio::post(loop->ioc, [l = loop.get()] {
      auto sessions = l->hub.sessions();
      for (auto* s : sessions) s->drain();
    });
  }
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

  store_->start();
  listener_->start();
  assistant_->start();
  asio::co_spawn(loops_[0]->ioc, accept_loop(), asio::detached);

  auto db_guard = asio::make_work_guard(db_ioc_);
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& loop : loops_) guards.push_back(asio::make_work_guard(loop->ioc));

  db_thread_ = std::thread([this] { db_ioc_.run(); });
  for (auto& loop : loops_) {
    loop->thread = std::thread([l = loop.get()] { l->ioc.run(); });
  }
  log(Level::info, "serving", "listen={} loops={} pool={} writers={}", cfg_.listen, loops_.size(), cfg_.db_pool_size,
      cfg_.db_writers);

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
