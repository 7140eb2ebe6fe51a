#include "support/log_lines.hpp"

#include <thread>

#include <fstream>

#include <simdjson.h>

#include <sstream>

namespace techpulse::test {

namespace {

LogLine parse_json(const std::string& line) {
  LogLine out;
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(line).get(obj) != simdjson::SUCCESS) return {{"raw", line}};
  for (auto [key, value] : obj) {
    std::string v;
    if (value.is_string()) {
      v = std::string(std::string_view(value.get_string().value()));
    } else {
      v = simdjson::minify(value);
    }
    out[std::string(key)] = v;
  }
  return out;
}

LogLine parse_logfmt(const std::string& s) {
  LogLine out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::string key, value;
    while (i < s.size() && s[i] != '=' && s[i] != ' ') key.push_back(s[i++]);
    if (i < s.size() && s[i] == '=') {
      ++i;
      if (i < s.size() && s[i] == '"') {
        ++i;
        while (i < s.size() && s[i] != '"') {
          if (s[i] == '\\' && i + 1 < s.size()) ++i;
          value.push_back(s[i++]);
        }
        ++i;
      } else {
        while (i < s.size() && s[i] != ' ') value.push_back(s[i++]);
      }
    }
    if (!key.empty()) out[key] = value;
  }
  if (!out.count("event")) return {{"raw", s}};
  return out;
}

}  // namespace

std::vector<LogLine> parse_log(const std::string& text) {
  std::vector<LogLine> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    out.push_back(line.front() == '{' ? parse_json(line) : parse_logfmt(line));
  }
  return out;
}

std::vector<LogLine> log_events(const std::string& text, const std::string& event, const LogLine& fields) {
  std::vector<LogLine> out;
  for (auto& l : parse_log(text)) {
    auto e = l.find("event");
    if (e == l.end() || e->second != event) continue;
    bool all = true;
    for (const auto& [k, v] : fields) {
      auto f = l.find(k);
      if (f == l.end() || f->second != v) all = false;
    }
    if (all) out.push_back(std::move(l));
  }
  return out;
}


bool wait_log_event(const std::string& path, const std::string& event, const LogLine& fields,
                    std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  for (;;) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    if (!log_events(text.str(), event, fields).empty()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace techpulse::test
