#pragma once
// logging: the structured log lines of every module (gateway, storage, ai), one line per event on stderr, as JSON or
// logfmt. Every line has `ts`, `level`, `component` and `event`, then the caller's fields, which are written as
// `key=value` pairs (values with spaces or quotes through quoted()) whatever the output format. The fields that
// identify a connection are named `session`, `user` and `thread` in every module. Keys that could carry a secret or a
// message's text (token, access_token, authorization, password, secret, api_key, content) are written as
// "[redacted]" at every level. Warnings and errors are rate-limited per (component, event): past kBurstPerSecond lines
// in one second the rest are counted, and the next line written carries `suppressed=N`.
// Depends on fmt only, so every module may use it.
#include <fmt/format.h>

#include <functional>
#include <string>
#include <string_view>

namespace techpulse::logging {

enum class Level { debug, info, warn, error };
enum class Format { json, logfmt };

constexpr int kBurstPerSecond = 10;

void set_level(Level l);
bool enabled(Level l);
void set_format(Format f);
Format format();
// "json", "logfmt" or "auto" (json unless stderr is a terminal). Throws std::invalid_argument otherwise.
Format parse_format(std::string_view name);
// "debug", "info", "warn", "error". Throws std::invalid_argument otherwise.
Level parse_level(std::string_view name);

// Writes one line (if the level is enabled and the rate limit lets it through).
void write(Level l, std::string_view component, std::string_view event, std::string_view fields);

template <class... Args>
void log(Level l, std::string_view component, std::string_view event, fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(l)) write(l, component, event, fmt::format(f, std::forward<Args>(args)...));
}

// A value quoted for a field: "..." with `"` and `\` escaped, control characters replaced by spaces.
std::string quoted(std::string_view s);

// For tests: where lines go instead of stderr (nullptr: stderr again).
void set_sink(std::function<void(std::string_view line)> sink);

}  // namespace techpulse::logging
