#pragma once
// The token expiries of one loop's sessions, on one timer (instead of a timer per session, which an idle
// connection paid for in memory): entries in expiry order, the timer armed at the earliest. Lives on its loop;
// not thread-safe.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <memory>

namespace techpulse::gateway::realtime {

class Session;

class ExpiryQueue {
 public:
  using Entries = std::multimap<int64_t, std::weak_ptr<Session>>;
  using Handle = Entries::iterator;

  explicit ExpiryQueue(boost::asio::io_context& ioc) : timer_(ioc) {}

  // Calls session->on_token_expired() once `exp` (seconds since the epoch) has passed; remove() takes it back.
  // A handle stays valid until it is removed or has fired.
  Handle add(int64_t exp, std::weak_ptr<Session> session);
  void remove(Handle h);
  std::size_t size() const { return entries_.size(); }

 private:
  void arm();
  void fire();

  boost::asio::steady_timer timer_;
  Entries entries_;
  bool armed_ = false;
  int64_t armed_for_ = 0;    // the expiry the timer waits for
  uint64_t generation_ = 0;  // a re-armed timer's old wait is ignored
};

}  // namespace techpulse::gateway::realtime
