#pragma once
// The process: the event loops, the storage loop and its store, the listener feeding the core's fan-out, the
// assistant pool, and the accept loop that deals connections round-robin to the loops under the connection caps.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "storage/attachment_store.hpp"
#include "ai/assistant.hpp"
#include "gateway/config.hpp"
#include "gateway/realtime/coalesced_reads.hpp"
#include "gateway/realtime/fanout.hpp"
#include "gateway/realtime/loop.hpp"
#include "gateway/realtime/presence.hpp"
#include "gateway/realtime/services.hpp"
#include "gateway/transport/conn_limits.hpp"
#include "gateway/transport/tls.hpp"
#include "notify/notifier.hpp"
#include "storage/chat_store.hpp"
#include "storage/listener.hpp"

namespace techpulse::gateway {

namespace asio = boost::asio;

class Server {
 public:
  // With `tls` (transport/tls.hpp) the listener serves https and wss only, each new connection with its current
  // context.
  explicit Server(Config cfg, std::shared_ptr<TlsCredentials> tls = nullptr);
  ~Server();

  // Serves until SIGINT or SIGTERM; returns the process exit code.
  int run();

 private:
  asio::awaitable<void> accept_loop();
  // --routing least-loaded: one queued ticket (on the storage loop).
  asio::awaitable<void> route(std::string ticket_id, std::vector<std::string> candidates);
  // --metrics-listen: GET /metrics only, on loop 0 (gateway/transport/metrics_http.hpp).
  asio::awaitable<void> metrics_accept_loop();
  void shutdown();
  // Waits (bounded by drain_timeout_ms) until every session has finished its sends and closed.
  void wait_for_drain();

  Config cfg_;
  std::shared_ptr<TlsCredentials> tls_;
  std::vector<std::unique_ptr<realtime::Loop>> loops_;
  realtime::Fanout fanout_{loops_};
  asio::io_context db_ioc_{1};
  std::unique_ptr<storage::ChatStore> store_;
  std::unique_ptr<storage::RowChangeStore> row_store_;
  std::unique_ptr<storage::Listener> listener_;
  std::unique_ptr<realtime::Presence> presence_;
  std::unique_ptr<realtime::RowFeed> row_feed_;
  std::unique_ptr<storage::AttachmentSweeper> sweeper_;
  std::unique_ptr<realtime::CoalescedReads> reads_;
  std::unique_ptr<realtime::Services> services_;
  std::unique_ptr<ai::WorkerPool> assistant_;
  std::unique_ptr<notify::Notifier> notifier_;  // offline notifications (docs/webhooks.md)
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<asio::ip::tcp::acceptor> metrics_acceptor_;
  std::thread db_thread_;
  size_t next_loop_ = 0;
  ConnectionLimiter limiter_;
  // Realtime sessions alive in this process (a SIGTERM drain waits for them to finish).
  std::atomic<size_t> sessions_{0};
};

asio::ip::tcp::endpoint parse_endpoint(const std::string& listen);

}  // namespace techpulse::gateway
