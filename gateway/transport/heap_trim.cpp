#include "gateway/transport/heap_trim.hpp"

#include <malloc.h>

#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <memory>

namespace techpulse::gateway {

namespace {
std::atomic<bool> scheduled{false};
constexpr auto kDelay = std::chrono::milliseconds(100);
}  // namespace

void trim_heap_soon(boost::asio::io_context& ioc) {
  if (scheduled.exchange(true)) return;  // the trim already scheduled runs after these frees too
  auto timer = std::make_shared<boost::asio::steady_timer>(ioc, kDelay);
  timer->async_wait([timer](const boost::system::error_code&) {
    scheduled = false;
    ::malloc_trim(0);
  });
}

}  // namespace techpulse::gateway
