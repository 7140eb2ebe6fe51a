// The real techpulse-gateway binary and its configuration: a bad value by flag, environment or file fails the
// start naming the setting; `config` masks secrets; `check` connects to the database and serves nothing; SIGHUP
// reloads the file.
#include <catch2/catch.hpp>

#include <signal.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "support/chat_helpers.hpp"
#include "support/gateway_process.hpp"
#include "support/log_lines.hpp"
#include "support/pg_support.hpp"
#include "support/process.hpp"

using namespace techpulse::test;

namespace {

// A gateway started with `args`, nothing but `env` in its environment; bounded in time.
ProcessResult gateway(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), gateway_binary());
  return run_process(args, env, std::chrono::seconds(20));
}

struct ConfigFile {
  std::string path;
  explicit ConfigFile(const std::string& text)
      : path("/tmp/techpulse-config-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(free_port()) + ".toml") {
    std::ofstream(path) << text;
  }
  ~ConfigFile() { std::remove(path.c_str()); }
};

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a bad value fails serve before it listens, naming the setting and the accepted range", "[config]") {
  const std::map<std::string, std::string> base = {{"TECHPULSE_JWT_SECRET", kTestSecret},
                                                    {"TECHPULSE_LISTEN", "127.0.0.1:" + std::to_string(free_port())}};
  SECTION("by flag") {
    auto r = gateway({"serve", "--max-connections", "-5"}, base);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.output, "--max-connections: expected an integer from 0 to 10000000, got \"-5\""));
  }
  SECTION("by environment") {
    auto env = base;
    env["TECHPULSE_HEARTBEAT_MS"] = "10";
    auto r = gateway({"serve"}, env);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.output, "TECHPULSE_HEARTBEAT_MS: expected an integer from 1000 to 3600000, got \"10\""));
  }
  SECTION("by config file") {
    ConfigFile file("listen = \"127.0.0.1:1\"\nlog-level = \"verbose\"\n");
    auto r = gateway({"serve", "--config", file.path}, base);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.output, file.path + ": log-level: expected one of debug, info, warn, error, got \"verbose\""));
  }
  SECTION("an unknown setting in the file") {
    ConfigFile file("heartbeat = 5000\n");
    auto env = base;
    env["TECHPULSE_CONFIG"] = file.path;
    auto r = gateway({"serve"}, env);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.output, file.path + ": unknown setting \"heartbeat\""));
  }
}

TEST_CASE("config prints every value with its source and masks the secrets", "[config]") {
  ConfigFile file("db-pool-size = 9\n");
  auto r = gateway({"config", "--config", file.path, "--threads", "3"},
                   {{"TECHPULSE_JWT_SECRET", "jwt-secret-must-not-show"},
                    {"TECHPULSE_AI_API_KEY", "sk-must-not-show"},
                    {"TECHPULSE_DATABASE_URL", "postgresql://app:db-password-must-not-show@127.0.0.1:5/x"}});
  REQUIRE(r.exit_code == 0);
  CHECK_FALSE(contains(r.output, "must-not-show"));
  CHECK(contains(r.output, "jwt-secret = \"***\"  # env TECHPULSE_JWT_SECRET"));
  CHECK(contains(r.output, "ai-api-key = \"***\"  # env TECHPULSE_AI_API_KEY"));
  CHECK(contains(r.output, "database-url = \"postgresql://app:***@127.0.0.1:5/x\"  # env TECHPULSE_DATABASE_URL"));
  CHECK(contains(r.output, "threads = 3  # flag --threads"));
  CHECK(contains(r.output, "db-pool-size = 9  # file " + file.path + ": db-pool-size"));
  CHECK(contains(r.output, "heartbeat-ms = 25000  # default"));
}

TEST_CASE("check exits non-zero when the database is unreachable, and 0 when it is ready", "[config][database]") {
  SECTION("nothing listens on the database port") {
    auto port = free_port();
    auto r = gateway({"check"}, {{"TECHPULSE_JWT_SECRET", kTestSecret},
                                 {"TECHPULSE_DATABASE_URL",
                                  "postgresql://postgres:pw-not-shown@127.0.0.1:" + std::to_string(port) + "/x"},
                                 {"TECHPULSE_DB_CONNECT_TIMEOUT_MS", "1000"}});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.output, "check: configuration ok"));
    CHECK(contains(r.output, "check: database unreachable"));
    CHECK_FALSE(contains(r.output, "pw-not-shown"));
  }
  SECTION("a database without the schema") {
    auto url = fresh_database("tp_test_check_empty");
    auto r = gateway({"check", "--database-url", url}, {{"TECHPULSE_JWT_SECRET", kTestSecret}});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.output, "migrations are pending"));
  }
  SECTION("a migrated database") {
    auto url = migrated_database("tp_test_check_ready");
    auto r = gateway({"check", "--database-url", url}, {{"TECHPULSE_JWT_SECRET", kTestSecret}});
    CHECK(r.exit_code == 0);
    CHECK(contains(r.output, "check: database reachable, schema current"));
  }
  SECTION("no JWT secret: the configuration cannot serve") {
    auto r = gateway({"check"}, {});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.output, "--jwt-secret / TECHPULSE_JWT_SECRET: required to serve"));
  }
}

namespace {

// Waits (bounded) until the gateway's log has `event`; returns its lines.
std::vector<LogLine> wait_for_event(const GatewayProcess& gw, const std::string& event, const LogLine& fields = {}) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    auto found = log_events(read_file(gw.log_path()), event, fields);
    if (!found.empty()) return found;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return {};
}

}  // namespace

TEST_CASE("SIGHUP reloads the config file: the log format applies at once, other changes are named", "[config]") {
  ConfigFile file("log-format = \"json\"\nmax-subscriptions = 100\n");
  GatewayProcess gw(migrated_database("tp_test_check_ready"), {{"TECHPULSE_CONFIG", file.path}});
  REQUIRE(wait_for_event(gw, "serving").size() == 1);
  auto before = read_file(gw.log_path());
  REQUIRE(before.find("{\"ts\":") != std::string::npos);  // JSON so far

  { std::ofstream(file.path, std::ios::trunc) << "log-format = \"logfmt\"\nmax-subscriptions = 50\n"; }
  REQUIRE(::kill(gw.pid(), SIGHUP) == 0);
  auto reloaded = wait_for_event(gw, "reloaded");
  REQUIRE(reloaded.size() == 1);
  CHECK(reloaded[0]["log_format"] == "logfmt");
  CHECK(reloaded[0]["needs_restart"] == "1");
  auto log = read_file(gw.log_path());
  auto tail = log.substr(before.size());
  CHECK(tail.find("event=reloaded") != std::string::npos);  // written as logfmt now
  CHECK(log_events(log, "reload_needs_restart", {{"setting", "--max-subscriptions"}, {"source", "file"}}).size() == 1);
  CHECK(http_get(gw.port(), "/healthz") == 200);

  // A bad value: logged, the running configuration kept, the process serving.
  { std::ofstream(file.path, std::ios::trunc) << "max-subscriptions = 0\n"; }
  REQUIRE(::kill(gw.pid(), SIGHUP) == 0);
  auto failed = wait_for_event(gw, "reload_failed");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0]["error"].find("max-subscriptions: expected an integer from 1 to 100000") != std::string::npos);
  CHECK(http_get(gw.port(), "/healthz") == 200);
  CHECK(gw.terminate() == 0);
}
