#pragma once
#include <chrono>
// Reads a gateway's log (logging/log.hpp) in either format, JSON or logfmt, so tests assert on events and fields
// rather than on the text of a line.
#include <map>
#include <string>
#include <vector>

namespace techpulse::test {

using LogLine = std::map<std::string, std::string>;  // ts, level, component, event and the fields, as text

// Every line of a log; a line that is neither JSON nor logfmt becomes {"raw": line}.
std::vector<LogLine> parse_log(const std::string& text);

// The lines of `event` whose fields include every pair of `fields`.
std::vector<LogLine> log_events(const std::string& text, const std::string& event, const LogLine& fields = {});

// Waits (bounded by `within`) until the log file at `path` has such a line; false when it never came.
bool wait_log_event(const std::string& path, const std::string& event, const LogLine& fields = {},
                    std::chrono::milliseconds within = std::chrono::seconds(5));

}  // namespace techpulse::test
