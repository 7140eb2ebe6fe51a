#include "gateway/log.hpp"

namespace techpulse::gateway {

void set_log_level(Level l) { logging::set_level(l); }
bool log_enabled(Level l) { return logging::enabled(l); }
void log_line(Level l, std::string_view event, std::string_view fields) { logging::write(l, "gateway", event, fields); }

}  // namespace techpulse::gateway
