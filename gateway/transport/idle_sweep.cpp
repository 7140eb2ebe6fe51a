#include "gateway/transport/idle_sweep.hpp"

namespace techpulse::gateway {

IdleSweep& IdleSweep::of(boost::asio::io_context& ioc, std::chrono::milliseconds interval) {
  auto& sweep = boost::asio::use_service<IdleSweep>(ioc);
  if (sweep.interval_.count() == 0) sweep.interval_ = interval;
  return sweep;
}

IdleSweep::IdleSweep(boost::asio::execution_context& ctx)
    : boost::asio::execution_context::service(ctx), timer_(static_cast<boost::asio::io_context&>(ctx)) {}

void IdleSweep::shutdown() {
  // The timer's wait is destroyed with the io_context's other handlers; sessions destroyed after this find
  // themselves unlinked.
  list_.clear();
}

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
