#include "gateway/config.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <functional>
#include <stdexcept>

namespace techpulse::gateway {

namespace {

struct Binding {
  ConfigOption opt;
  std::function<void(Config&, const std::string&)> set;
};

template <class T>
std::function<void(Config&, const std::string&)> number(T Config::*field, long long min, long long max) {
  return [field, min, max](Config& c, const std::string& v) {
    size_t pos = 0;
    long long n = 0;
    try {
      n = std::stoll(v, &pos);
    } catch (...) {
      pos = 0;
    }
    if (pos != v.size() || v.empty() || n < min || n > max) {
      throw std::invalid_argument(fmt::format("expected an integer from {} to {}, got \"{}\"", min, max, v));
    }
    c.*field = static_cast<T>(n);
  };
}

std::function<void(Config&, const std::string&)> text(std::string Config::*field) {
  return [field](Config& c, const std::string& v) { c.*field = v; };
}

const std::vector<Binding>& bindings() {
  static const std::vector<Binding> all = {
      {{"--listen", "TECHPULSE_LISTEN", "address:port to serve HTTP and WebSocket on", "127.0.0.1:8080"},
       text(&Config::listen)},
      {{"--database-url", "TECHPULSE_DATABASE_URL", "libpq connection string or URL",
        "postgresql://postgres@127.0.0.1:54329/techpulse"},
       text(&Config::database_url)},
      {{"--jwt-secret", "TECHPULSE_JWT_SECRET", "HS256 secret for access tokens (required for serve and token)", ""},
       text(&Config::jwt_secret)},
      {{"--threads", "TECHPULSE_THREADS", "event loops (0: one per core)", "0"}, number(&Config::threads, 0, 256)},
      {{"--heartbeat-ms", "TECHPULSE_HEARTBEAT_MS", "WebSocket ping interval announced in welcome", "25000"},
       number(&Config::heartbeat_ms, 1000, 3600000)},
      {{"--max-frame-bytes", "TECHPULSE_MAX_FRAME_BYTES", "largest client frame; larger closes with 1009", "65536"},
       number(&Config::max_frame_bytes, 1024, 16 * 1024 * 1024)},
      {{"--max-queue-frames", "TECHPULSE_MAX_QUEUE_FRAMES", "outbound frames queued per session before it is closed",
        "65536"},
       number(&Config::max_queue_frames, 16, 1000000)},
      {{"--max-queue-bytes", "TECHPULSE_MAX_QUEUE_BYTES", "outbound bytes queued per session before it is closed",
        "4194304"},
       number(&Config::max_queue_bytes, 65536, 1LL << 32)},
      {{"--max-subscriptions", "TECHPULSE_MAX_SUBSCRIPTIONS", "topics one session may subscribe to", "100"},
       number(&Config::max_subscriptions, 1, 100000)},
      {{"--handshake-timeout-ms", "TECHPULSE_HANDSHAKE_TIMEOUT_MS", "deadline for the HTTP request and upgrade",
        "10000"},
       number(&Config::handshake_timeout_ms, 100, 600000)},
      {{"--max-content-bytes", "TECHPULSE_MAX_CONTENT_BYTES", "longest message content (UTF-8 bytes); longer: too_large",
        "61440"},
       number(&Config::max_content_bytes, 1, 16 * 1024 * 1024)},
      {{"--max-title-chars", "TECHPULSE_MAX_TITLE_CHARS", "longest thread title (characters); longer: too_large",
        "200"},
       number(&Config::max_title_chars, 1, 16384)},
      {{"--max-metadata-bytes", "TECHPULSE_MAX_METADATA_BYTES", "largest message metadata object (bytes of compact JSON); larger: too_large",
        "8192"},
       number(&Config::max_metadata_bytes, 2, 16 * 1024 * 1024)},
      {{"--rate-limit", "TECHPULSE_RATE_LIMIT", "client frames per second per connection; over it: rate_limited (0: off)",
        "100"},
       number(&Config::rate_limit_per_s, 0, 10000000)},
      {{"--rate-burst", "TECHPULSE_RATE_BURST", "frames a connection may send at once before the rate applies", "200"},
       number(&Config::rate_limit_burst, 1, 10000000)},
      {{"--max-connections", "TECHPULSE_MAX_CONNECTIONS", "open connections of this process; over it: HTTP 503 (0: no cap)",
        "50000"},
       number(&Config::max_connections, 0, 10000000)},
      {{"--max-connections-per-ip", "TECHPULSE_MAX_CONNECTIONS_PER_IP",
        "open connections from one client address; over it: HTTP 503 (0: no cap)", "5000"},
       number(&Config::max_connections_per_ip, 0, 10000000)},
      {{"--drain-timeout-ms", "TECHPULSE_DRAIN_TIMEOUT_MS",
        "on SIGTERM, how long sends in flight may take to be acked before the process exits", "10000"},
       number(&Config::drain_timeout_ms, 0, 600000)},
      {{"--db-pool-size", "TECHPULSE_DB_POOL_SIZE", "pooled connections for reads and thread changes", "4"},
       number(&Config::db_pool_size, 1, 200)},
      {{"--db-timeout-ms", "TECHPULSE_DB_TIMEOUT_MS", "deadline of one database request; then `unavailable`", "5000"},
       number(&Config::db_timeout_ms, 50, 600000)},
      {{"--db-connect-timeout-ms", "TECHPULSE_DB_CONNECT_TIMEOUT_MS", "deadline of one connection attempt", "2000"},
       number(&Config::db_connect_timeout_ms, 50, 600000)},
      {{"--db-writers", "TECHPULSE_DB_WRITERS", "connections that insert messages (sends are batched per connection)",
        "2"},
       number(&Config::db_writers, 1, 64)},
      {{"--db-max-batch", "TECHPULSE_DB_MAX_BATCH", "most messages in one INSERT", "256"},
       number(&Config::db_max_batch, 1, 10000)},
      {{"--allowed-origins", "TECHPULSE_ALLOWED_ORIGINS",
        "comma-separated Origins browsers may connect from (empty: any); requests without Origin are allowed", ""},
       text(&Config::allowed_origins)},
      {{"--log-level", "TECHPULSE_LOG_LEVEL", "debug, info, warn or error", "info"}, text(&Config::log_level)},
      // The assistant worker pool.
      {{"--ai-provider", "TECHPULSE_AI_PROVIDER", "assistant provider: extractive (offline) or openai", "extractive"},
       text(&Config::ai_provider)},
      {{"--ai-workers", "TECHPULSE_AI_WORKERS", "assistant turns this node runs at once (0: none)", "2"},
       number(&Config::ai_workers, 0, 64)},
      {{"--ai-base-url", "TECHPULSE_AI_BASE_URL",
        "openai: base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1", ""},
       text(&Config::ai_base_url)},
      {{"--ai-model", "TECHPULSE_AI_MODEL", "openai: model name sent with each request", ""}, text(&Config::ai_model)},
      {{"--ai-api-key", "TECHPULSE_AI_API_KEY", "openai: bearer token (never logged)", ""}, text(&Config::ai_api_key)},
      {{"--ai-ca-file", "TECHPULSE_AI_CA_FILE", "openai over https: extra trusted CA certificates (PEM)", ""},
       text(&Config::ai_ca_file)},
      {{"--ai-timeout-ms", "TECHPULSE_AI_TIMEOUT_MS",
        "openai: longest silence (connect, headers, between stream chunks); then `timeout`", "30000"},
       number(&Config::ai_timeout_ms, 100, 600000)},
      {{"--ai-retries", "TECHPULSE_AI_RETRIES", "openai: retries on 429, 5xx and connection errors before any text",
        "2"},
       number(&Config::ai_retries, 0, 10)},
      {{"--ai-lease-ms", "TECHPULSE_AI_LEASE_MS", "a turn whose worker stops renewing this lease is taken again",
        "30000"},
       number(&Config::ai_lease_ms, 200, 3600000)},
      {{"--ai-max-attempts", "TECHPULSE_AI_MAX_ATTEMPTS", "claims of one turn before it is marked failed", "3"},
       number(&Config::ai_max_attempts, 1, 100)},
      {{"--ai-prompt-budget-chars", "TECHPULSE_AI_PROMPT_BUDGET_CHARS",
        "openai: characters of system prompt, passages and recent messages sent", "12000"},
       number(&Config::ai_prompt_budget_chars, 1000, 1000000)},
      {{"--ai-history-messages", "TECHPULSE_AI_HISTORY_MESSAGES", "earlier thread messages taken as context", "10"},
       number(&Config::ai_history_messages, 0, 200)},
  };
  return all;
}

}  // namespace

std::vector<ConfigOption> config_options() {
  std::vector<ConfigOption> out;
  for (const auto& b : bindings()) out.push_back(b.opt);
  return out;
}

Config load_config(int argc, char** argv, std::vector<std::string>& rest) {
  Config c;
  for (const auto& b : bindings()) {
    if (const char* v = std::getenv(b.opt.env.c_str()); v && *v) {
      try {
        b.set(c, v);
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(b.opt.env + ": " + e.what());
      }
    }
  }
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    const Binding* found = nullptr;
    std::string value;
    for (const auto& b : bindings()) {
      if (arg == b.opt.flag) {
        if (i + 1 >= argc) throw std::invalid_argument(b.opt.flag + " needs a value");
        found = &b;
        value = argv[++i];
        break;
      }
      if (arg.rfind(b.opt.flag + "=", 0) == 0) {
        found = &b;
        value = arg.substr(b.opt.flag.size() + 1);
        break;
      }
    }
    if (!found) {
      rest.push_back(arg);
      continue;
    }
    try {
      found->set(c, value);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(found->opt.flag + ": " + e.what());
    }
  }
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" && c.log_level != "error") {
    throw std::invalid_argument("--log-level must be debug, info, warn or error");
  }
  if (c.max_content_bytes + 512 > c.max_frame_bytes) {
    throw std::invalid_argument(fmt::format(
        "--max-content-bytes ({}) must be at least 512 bytes below --max-frame-bytes ({}) so a send at the limit fits "
        "in one frame", c.max_content_bytes, c.max_frame_bytes));
  }
  return c;
}

std::string usage() {
  std::string out =
      "usage: techpulse-gateway [serve|migrate|token|version] [options]\n\n"
      "  serve      serve WebSocket clients (the default)\n"
      "  migrate    apply pending database migrations and exit\n"
      "  token      print a development access token: --sub <uuid> --role <role> [--ttl <seconds>]\n"
      "  version    print the version\n\n"
      "options (flag, environment variable, default):\n";
  for (const auto& o : config_options()) {
    out += fmt::format("  {:<26} {:<32} {}\n  {:<26} {}\n", o.flag, o.env,
                       o.default_value.empty() ? "(none)" : o.default_value, "", o.help);
  }
  return out;
}

}  // namespace techpulse::gateway
