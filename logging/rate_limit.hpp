#pragma once
// logging: the rate limit on repeated warnings (log.hpp). Per key, at most `burst` lines in each one-second window;
// the lines past it are counted and the next admitted line reports how many were suppressed.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace techpulse::logging {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  struct Decision {
    bool write = false;
    uint64_t suppressed = 0;  // lines of this key dropped since the last one written
  };

  explicit RateLimiter(int burst) : burst_(burst) {}
  Decision admit(std::string_view key, Clock::time_point now);

 private:
  struct State {
    Clock::time_point window_start{};
    int in_window = 0;
    uint64_t suppressed = 0;
  };
  int burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, State> keys_;
};

}  // namespace techpulse::logging
