#include "gateway/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace techpulse::gateway {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::info)};
constexpr std::string_view names[] = {"debug", "info", "warn", "error"};
}  // namespace

void set_log_level(Level l) { g_level = static_cast<int>(l); }
bool log_enabled(Level l) { return static_cast<int>(l) >= g_level.load(std::memory_order_relaxed); }

void log_line(Level l, std::string_view event, std::string_view fields) {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::string line = fmt::format("ts={:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z level={} event={}{}{}\n",
                                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms,
                                 names[static_cast<int>(l)], event, fields.empty() ? "" : " ", fields);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  }
  out.push_back('"');
  return out;
}

}  // namespace techpulse::gateway
