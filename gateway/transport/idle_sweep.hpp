#pragma once
// transport: one timer per loop for the keep-alive of every WebSocket session on it, instead of a timer per
// session. Every `interval` it calls each watched session's on_idle_tick(); the session counts the ticks it has
// been silent and pings or closes (ws_session.cpp). Lives on its loop's thread (one per thread, made on first use);
// a session unlinks itself when it is destroyed (auto-unlink hook), so the sweep never sees a dead one.
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

class IdleSweep {
 public:
  // The sweep of the calling thread's loop, ticking every `interval` (the first call on a thread fixes both).
  static IdleSweep& of(boost::asio::io_context& ioc, std::chrono::milliseconds interval);

  IdleSweep(boost::asio::io_context& ioc, std::chrono::milliseconds interval);
  void watch(IdleWatch& w);
  std::size_t watched() const { return list_.size(); }

 private:
  void arm();
  void tick();

  boost::asio::steady_timer timer_;
  std::chrono::milliseconds interval_;
  bool armed_ = false;
  boost::intrusive::list<IdleWatch, boost::intrusive::constant_time_size<false>> list_;
};

}  // namespace techpulse::gateway
