#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "gateway/config.hpp"
#include "gateway/transport/conn_limits.hpp"
#include "gateway/realtime/hub.hpp"
#include "storage/chat_store.hpp"
#include "ai/assistant.hpp"
#include "storage/listener.hpp"

namespace techpulse::gateway {

namespace asio = boost::asio;

// One event loop: an io_context on its own thread with its own sessions and its own slice of the hub.
struct Loop {
  explicit Loop(unsigned index) : index(index), ioc(1) {}
  unsigned index;
  asio::io_context ioc;
  Hub hub;
  std::thread thread;
  // Chat messages handed over by the storage thread. The first one posts a drain; those that arrive before it runs
  // join it, so a busy loop delivers several messages in one turn and each socket writes their frames at once.
  struct Delivery {
    std::string thread_id, ticket_id;
    int64_t seq;
    Frame frame, ticket_frame;
  };
  std::mutex inbox_mutex;
  std::vector<Delivery> inbox;
  // Messages waiting in the inbox: a socket's flush waits one turn while there are some (see CorkedStream).
  std::atomic<size_t> inbox_pending{0};
};

class Server;

// What a session needs from the process: config, the store (on its loop), the listener's epoch, its own loop.
struct Services {
  const Config& config;
  storage::ChatStore& store;
  storage::Listener& listener;
  Server& server;
};

class Server : public storage::RealtimeSink {
 public:
  explicit Server(Config cfg);
  ~Server() override;

  // Serves until SIGINT or SIGTERM; returns the process exit code.
  int run();

  // RealtimeSink (called on the storage loop).
  void on_message(const storage::ChatEvent& ev) override;
  void on_typing(const storage::TypingEvent& ev) override;
  asio::awaitable<std::vector<storage::ThreadCursor>> live_threads() override;
  void on_event(char kind, const std::string& key, const std::string& json) override;
  void on_access_change(char kind, const std::string& id) override;
  void on_resync() override;
  void on_assistant(const std::string& thread_id, const std::string& ticket_id, const std::string& json) override;

  // WebSocket sessions alive in this process (a SIGTERM drain waits for them to finish).
  void session_opened() { sessions_.fetch_add(1, std::memory_order_relaxed); }
  void session_closed() { sessions_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  asio::awaitable<void> accept_loop();
  void shutdown();
  // Waits (bounded by drain_timeout_ms) until every session has finished its sends and closed.
  void wait_for_drain();

  Config cfg_;
  std::vector<std::unique_ptr<Loop>> loops_;
  asio::io_context db_ioc_{1};
  std::unique_ptr<storage::ChatStore> store_;
  std::unique_ptr<storage::Listener> listener_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<ai::WorkerPool> assistant_;
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  std::thread db_thread_;
  size_t next_loop_ = 0;
  ConnectionLimiter limiter_;
  std::atomic<size_t> sessions_{0};
};

asio::ip::tcp::endpoint parse_endpoint(const std::string& listen);

}  // namespace techpulse::gateway
