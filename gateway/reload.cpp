#include "gateway/reload.hpp"

#include <signal.h>

#include <thread>

#include "gateway/log.hpp"

namespace techpulse::gateway {

namespace {

bool applies_live(const std::string& flag) {
  return flag == "--log-level" || flag == "--log-format" || flag == "--tls-cert" || flag == "--tls-key";
}

void reload_once(const std::vector<std::string>& args, LoadedConfig& running,
                 const std::function<void(const Config&)>& on_reload) {
  LoadedConfig next;
  try {
    next = load(args);
  } catch (const std::exception& e) {
    log(Level::warn, "reload_failed", "error={} action=\"kept the running configuration\"", quoted(e.what()));
    return;
  }
  int restart_needed = 0;
  for (size_t i = 0; i < next.values.size() && i < running.values.size(); ++i) {
    const auto& was = running.values[i];
    const auto& now = next.values[i];
    if (was.value == now.value || applies_live(now.option.flag)) continue;
    ++restart_needed;
    log(Level::warn, "reload_needs_restart", "setting={} source={}", now.option.flag, source_name(now.source));
  }
  logging::set_level(logging::parse_level(next.config.log_level));
  logging::set_format(logging::parse_format(next.config.log_format));
  if (on_reload) on_reload(next.config);
  running = std::move(next);
  log(Level::info, "reloaded", "log_level={} log_format={} needs_restart={}", running.config.log_level,
      running.config.log_format, restart_needed);
}

}  // namespace

void reload_on_sighup(std::vector<std::string> args, LoadedConfig running,
                      std::function<void(const Config&)> on_reload) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, args = std::move(args), running = std::move(running), on_reload = std::move(on_reload)]() mutable {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) return;
      if (sig == SIGHUP) reload_once(args, running, on_reload);
    }
  }).detach();
}

}  // namespace techpulse::gateway
