#pragma once
// Structured log lines on stderr: `ts=... level=... event=... key=value ...`. Never pass a token here.
#include <fmt/format.h>

#include <string_view>

namespace techpulse::gateway {

enum class Level { debug, info, warn, error };

void set_log_level(Level l);
bool log_enabled(Level l);
void log_line(Level l, std::string_view event, std::string_view fields);

template <class... Args>
void log(Level l, std::string_view event, fmt::format_string<Args...> f, Args&&... args) {
  if (log_enabled(l)) {
    log_line(l, event, fmt::format(f, std::forward<Args>(args)...));
  }
}

// A value quoted for a key=value line.
std::string quoted(std::string_view s);

}  // namespace techpulse::gateway
