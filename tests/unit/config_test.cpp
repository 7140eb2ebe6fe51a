// gateway/config: flags, environment and config file, their precedence, the errors and `config`'s masking.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "gateway/config.hpp"

using namespace techpulse::gateway;

namespace {

struct Env {
  std::map<std::string, std::string> vars;
  EnvLookup lookup() const {
    return [this](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text, const std::string& ext = ".toml") {
    char tmpl[] = "/tmp/techpulse-config-test-XXXXXX";
    int fd = mkstemp(tmpl);
    ::close(fd);
    path = std::string(tmpl) + ext;
    std::rename(tmpl, path.c_str());
    std::ofstream(path) << text;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

const LoadedConfig::Value& value_of(const LoadedConfig& c, const std::string& flag) {
  for (const auto& v : c.values) {
    if (v.option.flag == flag) return v;
  }
  throw std::logic_error("no option " + flag);
}

std::string error_of(const std::vector<std::string>& args, const Env& env = {}) {
  try {
    load(args, env.lookup());
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("with nothing set every option has its documented default") {
  Env env;
  auto c = load({}, env.lookup());
  Config d;
  CHECK(c.config.listen == d.listen);
  CHECK(c.config.database_url == d.database_url);
  CHECK(c.config.heartbeat_ms == 25000);
  CHECK(c.config.max_connections == 50000);
  CHECK(c.rest.empty());
  REQUIRE(c.values.size() == config_options().size());
  for (const auto& v : c.values) {
    CHECK(v.source == Source::default_value);
    CHECK(v.value == v.option.default_value);
  }
}

TEST_CASE("flags win over the environment, the environment over the file, the file over the default") {
  TempFile file("threads = 3\nheartbeat-ms = 5000\ndb_pool_size = 7\nlog-level = \"warn\"\n");
  Env env;
  env.vars = {{"TECHPULSE_THREADS", "5"}, {"TECHPULSE_HEARTBEAT_MS", "6000"}};
  auto c = load({"--config", file.path, "--threads", "9", "serve"}, env.lookup());
  CHECK(c.config.threads == 9);
  CHECK(value_of(c, "--threads").source == Source::flag);
  CHECK(c.config.heartbeat_ms == 6000);
  CHECK(value_of(c, "--heartbeat-ms").source == Source::env);
  CHECK(c.config.db_pool_size == 7);
  CHECK(value_of(c, "--db-pool-size").source == Source::file);
  CHECK(c.config.log_level == "warn");
  CHECK(c.config.db_writers == 2);
  CHECK(value_of(c, "--db-writers").source == Source::default_value);
  CHECK(c.rest == std::vector<std::string>{"serve"});
  CHECK(c.file == file.path);
}

TEST_CASE("TECHPULSE_CONFIG names the file when --config is not given; an INI file reads the same") {
  TempFile file("; an INI comment\nmax-subscriptions=42\nallowed_origins=https://a.example\n", ".ini");
  Env env;
  env.vars = {{"TECHPULSE_CONFIG", file.path}};
  auto c = load({}, env.lookup());
  CHECK(c.config.max_subscriptions == 42);
  CHECK(c.config.allowed_origins == "https://a.example");
}

TEST_CASE("flag forms: --name value, --name=value, the last one wins; other arguments are left for the command") {
  Env env;
  auto c = load({"token", "--sub", "abc", "--listen=0.0.0.0:1", "--listen", "127.0.0.1:2", "--ttl", "5"},
                env.lookup());
  CHECK(c.config.listen == "127.0.0.1:2");
  CHECK(c.rest == std::vector<std::string>{"token", "--sub", "abc", "--ttl", "5"});
}

TEST_CASE("a bad value names the setting and the accepted range, wherever it came from") {
  SECTION("flag") {
    auto e = error_of({"--threads", "300"});
    CHECK(e == "--threads: expected an integer from 0 to 256, got \"300\"");
    CHECK(error_of({"--heartbeat-ms=abc"}) == "--heartbeat-ms: expected an integer from 1000 to 3600000, got \"abc\"");
    CHECK(error_of({"--log-level", "loud"}) == "--log-level: expected one of debug, info, warn, error, got \"loud\"");
    CHECK(error_of({"--listen"}).find("--listen") != std::string::npos);
  }
  SECTION("environment") {
    Env env;
    env.vars = {{"TECHPULSE_MAX_SUBSCRIPTIONS", "0"}};
    CHECK(error_of({}, env) == "TECHPULSE_MAX_SUBSCRIPTIONS: expected an integer from 1 to 100000, got \"0\"");
    env.vars = {{"TECHPULSE_AI_PROVIDER", "gpt"}};
    CHECK(error_of({}, env) == "TECHPULSE_AI_PROVIDER: expected one of extractive, openai, got \"gpt\"");
  }
  SECTION("file") {
    TempFile file("db-writers = 65\n");
    CHECK(error_of({"--config", file.path}) ==
          file.path + ": db-writers: expected an integer from 1 to 64, got \"65\"");
    TempFile unknown("db-writer = 2\n");
    CHECK(error_of({"--config", unknown.path}) == unknown.path + ": unknown setting \"db-writer\"");
    TempFile section("[gateway]\nthreads = 2\n");
    CHECK(error_of({"--config", section.path}).find("gateway.threads") != std::string::npos);
    CHECK(error_of({"--config", "/nonexistent/techpulse.toml"}).find("/nonexistent/techpulse.toml") !=
          std::string::npos);
  }
  SECTION("a flag overrides a bad environment value, which is then never read") {
    Env env;
    env.vars = {{"TECHPULSE_THREADS", "many"}};
    CHECK(load({"--threads", "2"}, env.lookup()).config.threads == 2);
  }
}

TEST_CASE("rules between settings are checked after every source is read") {
  auto e = error_of({"--max-frame-bytes", "4096", "--max-content-bytes", "4000"});
  CHECK(e.find("--max-content-bytes (4000) must be at least 512 bytes below --max-frame-bytes (4096)") !=
        std::string::npos);
  Env env;
  env.vars = {{"TECHPULSE_AI_PROVIDER", "openai"}};
  CHECK(error_of({}, env).find("TECHPULSE_AI_BASE_URL") != std::string::npos);
}

TEST_CASE("config masks the JWT secret, the API key and a database password, and says where each value came from") {
  Env env;
  env.vars = {{"TECHPULSE_JWT_SECRET", "s3cret-value-xyz"},
              {"TECHPULSE_DATABASE_URL", "postgresql://app:hunter2pass@db.internal:5432/techpulse"}};
  auto c = load({"--ai-api-key", "sk-live-abcdef", "--threads", "4"}, env.lookup());
  auto text = describe(c);
  CHECK(text.find("s3cret-value-xyz") == std::string::npos);
  CHECK(text.find("hunter2pass") == std::string::npos);
  CHECK(text.find("sk-live-abcdef") == std::string::npos);
  CHECK(text.find("jwt-secret = \"***\"  # env TECHPULSE_JWT_SECRET\n") != std::string::npos);
  CHECK(text.find("ai-api-key = \"***\"  # flag --ai-api-key\n") != std::string::npos);
  CHECK(text.find("database-url = \"postgresql://app:***@db.internal:5432/techpulse\"  # env TECHPULSE_DATABASE_URL\n") !=
        std::string::npos);
  CHECK(text.find("threads = 4  # flag --threads\n") != std::string::npos);
  CHECK(text.find("listen = \"127.0.0.1:8080\"  # default\n") != std::string::npos);
}

TEST_CASE("what config prints is a file that --config reads back to the same values") {
  Env env;
  env.vars = {{"TECHPULSE_ALLOWED_ORIGINS", "https://a.example, https://b.example"}};
  auto first = load({"--threads", "3", "--listen", "0.0.0.0:9000"}, env.lookup());
  TempFile file(describe(first));
  auto second = load({"--config", file.path}, Env{}.lookup());
  CHECK(second.config.threads == 3);
  CHECK(second.config.listen == "0.0.0.0:9000");
  CHECK(second.config.allowed_origins == "https://a.example, https://b.example");
  CHECK(value_of(second, "--threads").source == Source::file);
}

TEST_CASE("mask_conninfo hides passwords in URLs and key=value strings, and nothing else") {
  CHECK(mask_conninfo("postgresql://postgres@127.0.0.1:54329/techpulse") ==
        "postgresql://postgres@127.0.0.1:54329/techpulse");
  CHECK(mask_conninfo("postgres://u:p%40ss@h/db") == "postgres://u:***@h/db");
  CHECK(mask_conninfo("postgresql://u@h/db?sslmode=require&password=abc") ==
        "postgresql://u@h/db?sslmode=require&password=***");
  CHECK(mask_conninfo("host=h user=u password=abc dbname=d") == "host=h user=u password=*** dbname=d");
  CHECK(mask_conninfo("host=h password = 'a b\\'c' dbname=d") == "host=h password = *** dbname=d");
}
