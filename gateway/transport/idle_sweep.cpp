#include "gateway/transport/idle_sweep.hpp"

#include <memory>

namespace techpulse::gateway {

IdleSweep& IdleSweep::of(boost::asio::io_context& ioc, std::chrono::milliseconds interval) {
  // Destroyed when the loop's thread ends (after its io_context stopped): the list's destructor unlinks the
  // sessions still in it, whose pending handlers the io_context destroys later.
  thread_local std::unique_ptr<IdleSweep> sweep;
  if (!sweep) sweep = std::make_unique<IdleSweep>(ioc, interval);
  return *sweep;
}

IdleSweep::IdleSweep(boost::asio::io_context& ioc, std::chrono::milliseconds interval)
    : timer_(ioc), interval_(interval) {}

void IdleSweep::watch(IdleWatch& w) {
  if (w.is_linked()) return;
  list_.push_back(w);
  if (!armed_) arm();
}

void IdleSweep::arm() {
  armed_ = true;
  timer_.expires_after(interval_);
  timer_.async_wait([this](boost::system::error_code ec) {
    armed_ = false;
    if (ec) return;
    tick();
  });
}

void IdleSweep::tick() {
  for (auto it = list_.begin(); it != list_.end();) {
    IdleWatch& w = *it++;  // the call may unlink w
    w.on_idle_tick();
  }
  // No timer while no connection is open on this loop.
  if (!list_.empty()) arm();
}

}  // namespace techpulse::gateway
