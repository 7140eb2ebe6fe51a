// logging/: the line formats (JSON and logfmt), the fields every line has, redaction and the warning rate limit.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include <string>
#include <vector>

#include "gateway/log.hpp"
#include "logging/log.hpp"
#include "logging/rate_limit.hpp"

using namespace techpulse;
using logging::Format;
using logging::Level;

namespace {

// Captures what the logger writes while it lives; restores the level, the format and stderr after.
struct Capture {
  std::vector<std::string> lines;
  Format saved_format = logging::format();
  explicit Capture(Format f) {
    logging::set_format(f);
    logging::set_level(Level::debug);
    logging::set_sink([this](std::string_view l) { lines.emplace_back(l); });
  }
  ~Capture() {
    logging::set_sink(nullptr);
    logging::set_format(saved_format);
    logging::set_level(Level::info);
  }
};

simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& line) {
  simdjson::dom::element e;
  REQUIRE(p.parse(line).get(e) == simdjson::SUCCESS);
  return e;
}

std::string str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get(v) != simdjson::SUCCESS) return "<missing or not a string>";
  return std::string(v);
}

}  // namespace

TEST_CASE("a JSON line has ts, level, component, event and the fields, with numbers as numbers") {
  Capture cap(Format::json);
  gateway::log(Level::info, "session_open", "session={} user={} thread={} loop={} reason={}", "s-1", "u-1", "t-1", 3,
               gateway::quoted("a \"quoted\" reason\twith a tab"));
  REQUIRE(cap.lines.size() == 1);
  CHECK(cap.lines[0].back() == '\n');
  simdjson::dom::parser p;
  auto e = parse(p, cap.lines[0]);
  CHECK(str(e, "level") == "info");
  CHECK(str(e, "component") == "gateway");
  CHECK(str(e, "event") == "session_open");
  CHECK(str(e, "session") == "s-1");
  CHECK(str(e, "user") == "u-1");
  CHECK(str(e, "thread") == "t-1");
  CHECK(str(e, "reason") == "a \"quoted\" reason with a tab");
  int64_t loop = -1;
  CHECK(e["loop"].get(loop) == simdjson::SUCCESS);
  CHECK(loop == 3);
  auto ts = str(e, "ts");
  CHECK(ts.size() == 24);  // 2026-01-02T03:04:05.678Z
  CHECK(ts.back() == 'Z');
}

TEST_CASE("a logfmt line has the same keys in key=value form") {
  Capture cap(Format::logfmt);
  logging::log(Level::warn, "listener", "bad_payload", "channel={} detail={}", "tp_chat", logging::quoted("two words"));
  REQUIRE(cap.lines.size() == 1);
  const auto& l = cap.lines[0];
  CHECK(l.rfind("ts=", 0) == 0);
  CHECK(l.find(" level=warn component=listener event=bad_payload channel=tp_chat detail=\"two words\"\n") !=
        std::string::npos);
}

TEST_CASE("fields that could carry a secret or message text are redacted at every level") {
  Capture cap(Format::json);
  for (auto level : {Level::debug, Level::info}) {
    logging::log(level, "gateway", "probe", "token={} access_token={} content={} api_key={} password={} user={}",
                 "eyJhbGciOi.secret.sig", "abc", logging::quoted("my message text"), "sk-1", "pw", "u-1");
  }
  REQUIRE(cap.lines.size() == 2);
  simdjson::dom::parser p;
  for (const auto& line : cap.lines) {
    CHECK(line.find("eyJhbGciOi") == std::string::npos);
    CHECK(line.find("my message text") == std::string::npos);
    CHECK(line.find("sk-1") == std::string::npos);
    auto e = parse(p, line);
    for (const char* key : {"token", "access_token", "content", "api_key", "password"}) {
      CHECK(str(e, key) == "[redacted]");
    }
    CHECK(str(e, "user") == "u-1");
  }
}

TEST_CASE("lines under the level are not written") {
  Capture cap(Format::json);
  logging::set_level(Level::warn);
  logging::log(Level::info, "ai", "turn_done", "job={}", 1);
  logging::log(Level::error, "ai", "worker_died", "job={}", 2);
  REQUIRE(cap.lines.size() == 1);
  CHECK(cap.lines[0].find("\"event\":\"worker_died\"") != std::string::npos);
}

TEST_CASE("the rate limiter lets a burst through per second and counts what it drops") {
  logging::RateLimiter limiter(3);
  auto t0 = logging::RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  int written = 0;
  for (int i = 0; i < 10; ++i) written += limiter.admit("gateway/slow_consumer", t0).write;
  CHECK(written == 3);
  // Another key has its own budget.
  CHECK(limiter.admit("gateway/forbidden", t0).write);
  // Within the same second: still dropped, and counted.
  CHECK_FALSE(limiter.admit("gateway/slow_consumer", t0 + std::chrono::milliseconds(999)).write);
  // The next second: the first line written reports the 8 dropped.
  auto d = limiter.admit("gateway/slow_consumer", t0 + std::chrono::seconds(1));
  CHECK(d.write);
  CHECK(d.suppressed == 8);
  auto d2 = limiter.admit("gateway/slow_consumer", t0 + std::chrono::seconds(1));
  CHECK(d2.write);
  CHECK(d2.suppressed == 0);
}

TEST_CASE("a storm of one warning writes at most a burst of lines; info lines are not limited") {
  Capture cap(Format::json);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) logging::log(Level::warn, "test", "storm_warning", "i={}", i);
  for (int i = 0; i < 200; ++i) logging::log(Level::info, "test", "storm_info", "i={}", i);
  auto elapsed = std::chrono::steady_clock::now() - start;
  size_t warnings = 0, infos = 0;
  for (const auto& l : cap.lines) {
    warnings += l.find("storm_warning") != std::string::npos;
    infos += l.find("storm_info") != std::string::npos;
  }
  CHECK(infos == 200);
  // The window is one second from the first line: when the loop took less (it takes microseconds), exactly one
  // burst got through; otherwise at most one burst per started second.
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(elapsed).count();
  if (seconds == 0) {
    CHECK(warnings == static_cast<size_t>(logging::kBurstPerSecond));
  } else {
    CHECK(warnings <= static_cast<size_t>(logging::kBurstPerSecond * (seconds + 1)));
  }
}

TEST_CASE("parse_format and parse_level accept the documented names only") {
  CHECK(logging::parse_format("json") == Format::json);
  CHECK(logging::parse_format("logfmt") == Format::logfmt);
  CHECK_THROWS_AS(logging::parse_format("xml"), std::invalid_argument);
  CHECK(logging::parse_level("warn") == Level::warn);
  CHECK_THROWS_AS(logging::parse_level("loud"), std::invalid_argument);
}
