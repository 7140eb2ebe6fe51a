#pragma once
// One event loop: an io_context on its own thread with its own sessions and its own slice of the hub.
#include <boost/asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/realtime/expiry_queue.hpp"
#include "gateway/realtime/hub.hpp"
#include "gateway/realtime/send_handoff.hpp"

namespace techpulse::gateway::realtime {

namespace asio = boost::asio;

struct Loop {
  explicit Loop(unsigned index) : index(index), ioc(1) {}
  unsigned index;
  asio::io_context ioc;
  Hub hub;
  ExpiryQueue expiries{ioc};  // the token expiries of the loop's sessions
  SendHandoff sends{ioc};     // the sessions' sends on their way to the storage loop
  std::thread thread;
  // Chat messages handed over by the storage thread. The first one posts a drain; those that arrive before it runs
  // join it, so a busy loop delivers several messages in one turn and each socket writes their frames at once.
  using Delivery = Hub::Message;
  std::mutex inbox_mutex;
  std::vector<Delivery> inbox;
  // Messages waiting in the inbox: a socket's flush waits one turn while there are some (see CorkedStream).
  std::atomic<size_t> inbox_pending{0};
};

}  // namespace techpulse::gateway::realtime
