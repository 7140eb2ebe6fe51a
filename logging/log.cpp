#include "logging/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "logging/rate_limit.hpp"

namespace techpulse::logging {

namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};
std::atomic<int> g_format{static_cast<int>(isatty(2) ? Format::logfmt : Format::json)};
constexpr std::string_view kLevels[] = {"debug", "info", "warn", "error"};
constexpr std::string_view kRedacted[] = {"token", "access_token", "authorization", "password", "secret",
                                          "api_key", "content"};

std::mutex g_sink_mutex;
std::function<void(std::string_view)> g_sink;
std::atomic<bool> g_has_sink{false};  // lines go straight to stderr, without the mutex, unless a test set a sink

RateLimiter& limiter() {
  static RateLimiter l(kBurstPerSecond);
  return l;
}

struct Field {
  std::string key;
  std::string value;
  bool was_quoted = false;
};

// Splits `key=value key="quoted \" value" ...` as written by the callers (see quoted()).
std::vector<Field> parse_fields(std::string_view s) {
  std::vector<Field> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i >= s.size()) break;
    Field f;
    while (i < s.size() && s[i] != '=' && s[i] != ' ') f.key.push_back(s[i++]);
    if (i < s.size() && s[i] == '=') {
      ++i;
      if (i < s.size() && s[i] == '"') {
        f.was_quoted = true;
        ++i;
        while (i < s.size() && s[i] != '"') {
          if (s[i] == '\\' && i + 1 < s.size()) ++i;
          f.value.push_back(s[i++]);
        }
        ++i;  // the closing quote
      } else {
        while (i < s.size() && s[i] != ' ') f.value.push_back(s[i++]);
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

bool redacted(std::string_view key) {
  for (auto k : kRedacted) {
    if (key == k) return true;
  }
  return false;
}

bool json_number(std::string_view v) {
  size_t i = 0;
  if (i < v.size() && v[i] == '-') ++i;
  size_t digits = i;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
  if (i == digits || (v[digits] == '0' && i - digits > 1)) return false;
  if (i < v.size() && v[i] == '.') {
    size_t frac = ++i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
    if (i == frac) return false;
  }
  return i == v.size();
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out += fmt::format("\\u{:04x}", u);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

std::string render(Level l, std::string_view component, std::string_view event, std::string_view fields,
                   uint64_t suppressed) {
  auto parsed = parse_fields(fields);
  for (auto& f : parsed) {
    if (redacted(f.key)) {
      f.value = "[redacted]";
      f.was_quoted = true;
    }
  }
  if (suppressed) parsed.push_back({"suppressed", std::to_string(suppressed), false});
  std::string line;
  line.reserve(96 + fields.size());
  if (format() == Format::json) {
    line += "{\"ts\":\"" + timestamp() + "\",\"level\":\"" + std::string(kLevels[static_cast<int>(l)]) +
            "\",\"component\":";
    append_json_string(line, component);
    line += ",\"event\":";
    append_json_string(line, event);
    for (const auto& f : parsed) {
      if (f.key.empty()) continue;
      line.push_back(',');
      append_json_string(line, f.key);
      line.push_back(':');
      if (!f.was_quoted && (json_number(f.value) || f.value == "true" || f.value == "false")) {
        line += f.value;
      } else {
        append_json_string(line, f.value);
      }
    }
    line += "}\n";
  } else {
    line += "ts=" + timestamp() + " level=" + std::string(kLevels[static_cast<int>(l)]) + " component=" +
            std::string(component) + " event=" + std::string(event);
    for (const auto& f : parsed) {
      if (f.key.empty()) continue;
      line += " " + f.key + "=" + (f.was_quoted || needs_quotes(f.value) ? quoted(f.value) : f.value);
    }
    line += "\n";
  }
  return line;
}

}  // namespace

void set_level(Level l) { g_level = static_cast<int>(l); }
bool enabled(Level l) { return static_cast<int>(l) >= g_level.load(std::memory_order_relaxed); }
void set_format(Format f) { g_format = static_cast<int>(f); }
Format format() { return static_cast<Format>(g_format.load(std::memory_order_relaxed)); }

Format parse_format(std::string_view name) {
  if (name == "json") return Format::json;
  if (name == "logfmt") return Format::logfmt;
  if (name == "auto") return isatty(2) ? Format::logfmt : Format::json;
  throw std::invalid_argument(fmt::format("log format must be json, logfmt or auto, got \"{}\"", name));
}

Level parse_level(std::string_view name) {
  for (int i = 0; i < 4; ++i) {
    if (name == kLevels[i]) return static_cast<Level>(i);
  }
  throw std::invalid_argument(fmt::format("log level must be debug, info, warn or error, got \"{}\"", name));
}

void write(Level l, std::string_view component, std::string_view event, std::string_view fields) {
  if (!enabled(l)) return;
  uint64_t suppressed = 0;
  if (l >= Level::warn) {
    std::string key;
    key.reserve(component.size() + event.size() + 1);
    key.append(component).append("/").append(event);
    auto d = limiter().admit(key, RateLimiter::Clock::now());
    if (!d.write) return;
    suppressed = d.suppressed;
  }
  std::string line = render(l, component, event, fields, suppressed);
  if (g_has_sink.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> g(g_sink_mutex);
    if (g_sink) {
      g_sink(line);
      return;
    }
  }
  std::fwrite(line.data(), 1, line.size(), stderr);  // one call per line: lines of concurrent threads do not mix
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

void set_sink(std::function<void(std::string_view)> sink) {
  std::lock_guard<std::mutex> g(g_sink_mutex);
  g_sink = std::move(sink);
  g_has_sink.store(static_cast<bool>(g_sink), std::memory_order_release);
}

}  // namespace techpulse::logging
