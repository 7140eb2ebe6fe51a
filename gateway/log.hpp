#pragma once
// The gateway's log calls: logging/log.hpp with component "gateway". `log(Level::info, "event", "key={} ...", v)`
// writes one line (JSON or logfmt, --log-format). Name the fields session=, user=, thread= where they are known.
// Never pass a token or message content here.
#include <string_view>

#include "logging/log.hpp"

namespace techpulse::gateway {

using logging::Level;
using logging::quoted;

void set_log_level(Level l);
bool log_enabled(Level l);
void log_line(Level l, std::string_view event, std::string_view fields);

template <class... Args>
void log(Level l, std::string_view event, fmt::format_string<Args...> f, Args&&... args) {
  if (log_enabled(l)) {
    log_line(l, event, fmt::format(f, std::forward<Args>(args)...));
  }
}

}  // namespace techpulse::gateway
