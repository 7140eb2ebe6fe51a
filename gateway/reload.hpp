#pragma once
// SIGHUP (systemd's ExecReload): the configuration is read again from the same flags, the environment and the
// config file. The log level and format apply at once; so do the TLS certificate and key, through `on_reload`
// (main's: it loads the files again even when their paths did not change, as after a certificate renewal); any
// other changed setting is logged as needing a restart (`reload_needs_restart setting=...`); a bad value is logged
// (`reload_failed`) and the running configuration kept.
#include <functional>
#include <string>
#include <vector>

#include "gateway/config.hpp"

namespace techpulse::gateway {

// Call before any other thread is started: SIGHUP is blocked in the calling thread (and so in every thread started
// after it) and a thread of its own waits for it.
// `on_reload` runs on the reload thread with each new configuration that loaded.
void reload_on_sighup(std::vector<std::string> args, LoadedConfig running,
                      std::function<void(const Config&)> on_reload = nullptr);

}  // namespace techpulse::gateway
