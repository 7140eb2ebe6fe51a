#pragma once
// transport: one timer per loop for the keep-alive of every WebSocket session on it, instead of a timer per
// session. Every `interval` it calls each watched session's on_idle_tick(); the session counts the ticks it has
// been silent and pings or closes (ws_session.cpp). One per io_context (an Asio service of it, made on first use and
// destroyed with it), used on its loop's thread only; a session unlinks itself when it is destroyed (auto-unlink
// hook), so the sweep never sees a dead one.
#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>
#include <chrono>

namespace techpulse::gateway {

class IdleWatch : public boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
 public:
  virtual ~IdleWatch() = default;
  // One interval has passed. The watch may close its connection here, but must not be destroyed inside the call.
  virtual void on_idle_tick() = 0;
  // Stops the ticks (the connection is over).
  void stop_watching() { unlink(); }
};

class IdleSweep final : public boost::asio::execution_context::service {
 public:
  using key_type = IdleSweep;
  static inline boost::asio::execution_context::id id;

  // The sweep of `ioc`, ticking every `interval` (the first call fixes it).
  static IdleSweep& of(boost::asio::io_context& ioc, std::chrono::milliseconds interval);

  explicit IdleSweep(boost::asio::execution_context& ctx);
  void watch(IdleWatch& w);
  std::size_t watched() const { return list_.size(); }

 private:
  // The io_context is going away: no more ticks; the sessions still watched are unlinked.
  void shutdown() override;
  void arm();
  void tick();

  boost::asio::steady_timer timer_;
  std::chrono::milliseconds interval_{0};
  bool armed_ = false;
  boost::intrusive::list<IdleWatch, boost::intrusive::constant_time_size<false>> list_;
};

}  // namespace techpulse::gateway
