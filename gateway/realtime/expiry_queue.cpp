#include "gateway/realtime/expiry_queue.hpp"

#include <algorithm>
#include <chrono>

#include "gateway/realtime/session.hpp"

namespace techpulse::gateway::realtime {

namespace {

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

ExpiryQueue::Handle ExpiryQueue::add(int64_t exp, std::weak_ptr<Session> session) {
  auto h = entries_.emplace(exp, std::move(session));
  if (!armed_ || exp < armed_for_) arm();
  return h;
}

void ExpiryQueue::remove(Handle h) {
  entries_.erase(h);
  // A timer armed for an entry that is gone fires for nothing and re-arms: cheaper than re-arming on every remove.
}

void ExpiryQueue::arm() {
  if (entries_.empty()) {
    if (armed_) timer_.cancel();
    armed_ = false;
    return;
  }
  // In whole seconds: a token may carry any exp up to INT64_MAX, which a nanosecond time_point cannot hold. No
  // session lives 100 years, so waits are capped there.
  constexpr int64_t kMaxWaitSeconds = int64_t{100} * 365 * 24 * 3600;
  armed_for_ = entries_.begin()->first;
  armed_ = true;
  const int64_t now = now_seconds();
  const int64_t left = armed_for_ > now ? std::min(armed_for_ - now, kMaxWaitSeconds) : 0;
  timer_.expires_after(std::chrono::seconds(left));
  timer_.async_wait([this, generation = ++generation_](boost::system::error_code ec) {
    if (ec || generation != generation_) return;
    armed_ = false;
    fire();
  });
}

void ExpiryQueue::fire() {
  const int64_t now = now_seconds();
  // Entries whose second has begun: a token with exp = now is expired (the verifier's rule is exp > now).
  while (!entries_.empty() && entries_.begin()->first <= now) {
    auto session = entries_.begin()->second.lock();
    entries_.erase(entries_.begin());
    if (session) session->on_token_expired();
  }
  arm();
}

}  // namespace techpulse::gateway::realtime
