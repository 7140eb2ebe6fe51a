#pragma once
// SIGHUP (systemd's ExecReload): the configuration is read again from the same flags, the environment and the
// config file. The log level and format apply at once; any other changed setting is logged as needing a restart
// (`reload_needs_restart setting=...`); a bad value is logged (`reload_failed`) and the running configuration kept.
#include <string>
#include <vector>

#include "gateway/config.hpp"

namespace techpulse::gateway {

// Call before any other thread is started: SIGHUP is blocked in the calling thread (and so in every thread started
// after it) and a thread of its own waits for it.
void reload_on_sighup(std::vector<std::string> args, LoadedConfig running);

}  // namespace techpulse::gateway
