#include "logging/rate_limit.hpp"

namespace techpulse::logging {

RateLimiter::Decision RateLimiter::admit(std::string_view key, Clock::time_point now) {
  std::lock_guard<std::mutex> g(mutex_);
  auto it = keys_.find(std::string(key));
  if (it == keys_.end()) it = keys_.emplace(std::string(key), State{now, 0, 0}).first;
  State& s = it->second;
  if (now - s.window_start >= std::chrono::seconds(1)) {
    s.window_start = now;
    s.in_window = 0;
  }
  if (s.in_window >= burst_) {
    ++s.suppressed;
    return {false, 0};
  }
  ++s.in_window;
  Decision d{true, s.suppressed};
  s.suppressed = 0;
  return d;
}

}  // namespace techpulse::logging
