#include "gateway/config_options.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "gateway/attachments/policy.hpp"

namespace techpulse::gateway::detail {

namespace {

struct Typed {
  Setter set;
  bool numeric = false;
};

template <class T>
Typed number(T Config::*field, long long min, long long max) {
  return {[field, min, max](Config& c, const std::string& v) {
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
          },
          true};
}

Typed decimal(double Config::*field, double min, double max) {
  return {[field, min, max](Config& c, const std::string& v) {
            size_t pos = 0;
            double n = 0;
            try {
              n = std::stod(v, &pos);
            } catch (...) {
              pos = 0;
            }
            if (pos != v.size() || v.empty() || !(n >= min && n <= max)) {
              throw std::invalid_argument(fmt::format("expected a number from {} to {}, got \"{}\"", min, max, v));
            }
            c.*field = n;
          },
          true};
}

Typed text(std::string Config::*field) {
  return {[field](Config& c, const std::string& v) { c.*field = v; }};
}

Typed choice(std::string Config::*field, std::vector<std::string> accepted) {
  return {[field, accepted](Config& c, const std::string& v) {
    for (const auto& a : accepted) {
      if (v == a) {
        c.*field = v;
        return;
      }
    }
    throw std::invalid_argument(fmt::format("expected one of {}, got \"{}\"", fmt::join(accepted, ", "), v));
  }};
}

// A comma-separated list of content types, each one the gateway can check by its magic bytes.
Typed types(std::string Config::*field, std::vector<std::string> Config::*list) {
  return {[field, list](Config& c, const std::string& v) {
    c.*list = attachments::parse_types(v);
    c.*field = v;
  }};
}

Binding bind(ConfigOption opt, Typed t, bool secret = false) {
  opt.numeric = t.numeric;
  opt.secret = secret;
  return {std::move(opt), std::move(t.set)};
}

}  // namespace

const std::vector<Binding>& bindings() {
  static const std::vector<Binding> all = {
      bind({"--listen", "TECHPULSE_LISTEN", "address:port to serve HTTP and WebSocket on", "127.0.0.1:8080"},
       text(&Config::listen)),
      bind({"--metrics-listen", "TECHPULSE_METRICS_LISTEN",
            "address:port to serve GET /metrics on, and only there (empty: /metrics on --listen)", ""},
           text(&Config::metrics_listen)),
      bind({"--database-url", "TECHPULSE_DATABASE_URL", "libpq connection string or URL",
        "postgresql://postgres@127.0.0.1:54329/techpulse"},
       text(&Config::database_url)),
      bind({"--jwt-secret", "TECHPULSE_JWT_SECRET", "HS256 secret for access tokens (required for serve and token)", ""},
       text(&Config::jwt_secret), true),
      bind({"--jwt-jwks-file", "TECHPULSE_JWT_JWKS_FILE", "JWKS file of RS256/ES256 token keys, selected by kid", ""},
           text(&Config::jwt_jwks_file)),
      bind({"--threads", "TECHPULSE_THREADS", "event loops (0: one per core)", "0"}, number(&Config::threads, 0, 256)),
      bind({"--heartbeat-ms", "TECHPULSE_HEARTBEAT_MS", "WebSocket ping interval announced in welcome", "25000"},
       number(&Config::heartbeat_ms, 1000, 3600000)),
      bind({"--max-frame-bytes", "TECHPULSE_MAX_FRAME_BYTES", "largest client frame; larger closes with 1009", "65536"},
       number(&Config::max_frame_bytes, 1024, 16 * 1024 * 1024)),
      bind({"--max-queue-frames", "TECHPULSE_MAX_QUEUE_FRAMES", "outbound frames queued per session before it is closed",
        "65536"},
       number(&Config::max_queue_frames, 16, 1000000)),
      bind({"--max-queue-bytes", "TECHPULSE_MAX_QUEUE_BYTES", "outbound bytes queued per session before it is closed",
        "4194304"},
       number(&Config::max_queue_bytes, 65536, 1LL << 32)),
      bind({"--slow-consumer-ms", "TECHPULSE_SLOW_CONSUMER_MS",
            "a session over the queue bounds is closed when no write completes for this long", "5000"},
           number(&Config::slow_consumer_ms, 100, 600000)),
      bind({"--max-subscriptions", "TECHPULSE_MAX_SUBSCRIPTIONS", "topics one session may subscribe to (and channels one Supabase socket may join)", "100"},
       number(&Config::max_subscriptions, 1, 100000)),
      bind({"--handshake-timeout-ms", "TECHPULSE_HANDSHAKE_TIMEOUT_MS", "deadline for the HTTP request and upgrade",
        "10000"},
       number(&Config::handshake_timeout_ms, 100, 600000)),
      bind({"--max-content-bytes", "TECHPULSE_MAX_CONTENT_BYTES", "longest message content (UTF-8 bytes); longer: too_large",
        "61440"},
       number(&Config::max_content_bytes, 1, 16 * 1024 * 1024)),
      bind({"--max-title-chars", "TECHPULSE_MAX_TITLE_CHARS", "longest thread title (characters); longer: too_large",
            "200"},
       number(&Config::max_title_chars, 1, 16384)),
      bind({"--max-metadata-bytes", "TECHPULSE_MAX_METADATA_BYTES", "largest message metadata object (bytes of compact JSON); larger: too_large",
        "8192"},
       number(&Config::max_metadata_bytes, 2, 16 * 1024 * 1024)),
      bind({"--rate-limit", "TECHPULSE_RATE_LIMIT", "client frames per second per connection; over it: rate_limited (0: off)",
        "100"},
       number(&Config::rate_limit_per_s, 0, 10000000)),
      bind({"--rate-burst", "TECHPULSE_RATE_BURST", "frames a connection may send at once before the rate applies", "200"},
       number(&Config::rate_limit_burst, 1, 10000000)),
      bind({"--max-connections", "TECHPULSE_MAX_CONNECTIONS", "open connections of this process; over it: HTTP 503 (0: no cap)",
        "50000"},
       number(&Config::max_connections, 0, 10000000)),
      bind({"--max-connections-per-ip", "TECHPULSE_MAX_CONNECTIONS_PER_IP",
        "open connections from one client address; over it: HTTP 503 (0: no cap)", "5000"},
       number(&Config::max_connections_per_ip, 0, 10000000)),
      bind({"--drain-timeout-ms", "TECHPULSE_DRAIN_TIMEOUT_MS",
        "on SIGTERM, how long sends in flight may take to be acked before the process exits", "10000"},
       number(&Config::drain_timeout_ms, 0, 600000)),
      bind({"--db-pool-size", "TECHPULSE_DB_POOL_SIZE", "pooled connections for reads and thread changes", "4"},
       number(&Config::db_pool_size, 1, 200)),
      bind({"--admission-concurrency", "TECHPULSE_ADMISSION_CONCURRENCY",
            "statements in flight at once that admit connections (profile reads) and set up subscriptions (access, "
            "since replay, assistant turn); the requests waiting meanwhile share the next one (keep it below "
            "--db-pool-size)",
            "3"},
           number(&Config::admission_concurrency, 1, 200)),
      bind({"--admission-queue", "TECHPULSE_ADMISSION_QUEUE",
            "connections that may wait for their admission to start; over it an upgrade is refused with HTTP 503",
            "20000"},
           number(&Config::admission_queue, 1, 10000000)),
      bind({"--db-timeout-ms", "TECHPULSE_DB_TIMEOUT_MS", "deadline of one database request; then `unavailable`", "5000"},
       number(&Config::db_timeout_ms, 50, 600000)),
      bind({"--db-connect-timeout-ms", "TECHPULSE_DB_CONNECT_TIMEOUT_MS", "deadline of one connection attempt", "2000"},
       number(&Config::db_connect_timeout_ms, 50, 600000)),
      bind({"--db-writers", "TECHPULSE_DB_WRITERS", "connections that insert messages (sends are batched per connection)",
        "2"},
       number(&Config::db_writers, 1, 64)),
      bind({"--db-max-batch", "TECHPULSE_DB_MAX_BATCH", "most messages in one INSERT", "256"},
       number(&Config::db_max_batch, 1, 10000)),
      bind({"--allowed-origins", "TECHPULSE_ALLOWED_ORIGINS",
        "comma-separated Origins browsers may connect from (empty: any); requests without Origin are allowed", ""},
       text(&Config::allowed_origins)),
      bind({"--web-root", "TECHPULSE_WEB_ROOT", "serve the web app at / from this directory (development)", ""},
           text(&Config::web_root)),
      bind({"--max-attachment-bytes", "TECHPULSE_MAX_ATTACHMENT_BYTES",
            "largest upload to POST /v1/attachments (bytes); larger: 413", "10485760"},
           number(&Config::max_attachment_bytes, 1, int64_t{1} << 40)),
      bind({"--attachment-types", "TECHPULSE_ATTACHMENT_TYPES",
            "comma-separated content types an upload may have (each checked by its magic bytes); others: 415",
            std::string(attachments::kDefaultTypes)},
           types(&Config::attachment_types, &Config::attachment_type_list)),
      bind({"--attachment-orphan-ttl", "TECHPULSE_ATTACHMENT_ORPHAN_TTL",
            "seconds an uploaded attachment no message carries is kept before the sweep deletes it", "86400"},
           number(&Config::attachment_orphan_ttl_s, 1, int64_t{10} * 365 * 24 * 3600)),
      bind({"--tls-cert", "TECHPULSE_TLS_CERT",
            "PEM certificate chain: the listener serves https and wss only (with --tls-key; reloaded on SIGHUP)", ""},
           text(&Config::tls_cert)),
      bind({"--tls-key", "TECHPULSE_TLS_KEY", "PEM private key of --tls-cert (unencrypted; reloaded on SIGHUP)", ""},
           text(&Config::tls_key)),
      bind({"--log-level", "TECHPULSE_LOG_LEVEL", "debug, info, warn or error", "info"}, choice(&Config::log_level, {"debug", "info", "warn", "error"})),
      bind({"--log-format", "TECHPULSE_LOG_FORMAT", "json or logfmt lines on stderr (auto: json unless stderr is a terminal)",
            "auto"},
           choice(&Config::log_format, {"json", "logfmt", "auto"})),
      // The assistant worker pool.
      bind({"--ai-provider", "TECHPULSE_AI_PROVIDER", "assistant provider: extractive (offline) or openai", "extractive"},
       choice(&Config::ai_provider, {"extractive", "openai"})),
      bind({"--ai-workers", "TECHPULSE_AI_WORKERS", "assistant turns this node runs at once (0: none)", "2"},
       number(&Config::ai_workers, 0, 64)),
      bind({"--ai-base-url", "TECHPULSE_AI_BASE_URL",
        "openai: base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1", ""},
       text(&Config::ai_base_url)),
      bind({"--ai-model", "TECHPULSE_AI_MODEL", "openai: model name sent with each request", ""}, text(&Config::ai_model)),
      bind({"--ai-api-key", "TECHPULSE_AI_API_KEY", "openai: bearer token (never logged)", ""}, text(&Config::ai_api_key), true),
      bind({"--ai-ca-file", "TECHPULSE_AI_CA_FILE", "openai over https: extra trusted CA certificates (PEM)", ""},
       text(&Config::ai_ca_file)),
      bind({"--ai-timeout-ms", "TECHPULSE_AI_TIMEOUT_MS",
        "openai: longest silence (connect, headers, between stream chunks); then `timeout`", "30000"},
       number(&Config::ai_timeout_ms, 100, 600000)),
      bind({"--ai-retries", "TECHPULSE_AI_RETRIES", "openai: retries on 429, 5xx and connection errors before any text",
        "2"},
       number(&Config::ai_retries, 0, 10)),
      bind({"--ai-lease-ms", "TECHPULSE_AI_LEASE_MS", "a turn whose worker stops renewing this lease is taken again",
        "30000"},
       number(&Config::ai_lease_ms, 200, 3600000)),
      bind({"--ai-max-attempts", "TECHPULSE_AI_MAX_ATTEMPTS", "claims of one turn before it is marked failed", "3"},
       number(&Config::ai_max_attempts, 1, 100)),
      bind({"--ai-prompt-budget-chars", "TECHPULSE_AI_PROMPT_BUDGET_CHARS",
        "openai: characters of system prompt, passages and recent messages sent", "12000"},
       number(&Config::ai_prompt_budget_chars, 1000, 1000000)),
      bind({"--ai-history-messages", "TECHPULSE_AI_HISTORY_MESSAGES", "earlier thread messages taken as context", "10"},
       number(&Config::ai_history_messages, 0, 200)),
      bind({"--ai-handoff-confidence", "TECHPULSE_AI_HANDOFF_CONFIDENCE",
            "hand the thread to a technician after an answer under this confidence or without sources (0: never)",
            "0.35"},
           decimal(&Config::ai_handoff_confidence, 0, 1)),
      // The support desk.
      bind({"--routing", "TECHPULSE_ROUTING",
            "manual (technicians claim from the queue) or least-loaded (a queued ticket goes to the connected "
            "technician with the fewest open tickets)",
            "manual"},
           choice(&Config::routing, {"manual", "least-loaded"})),
      bind({"--notify-after", "TECHPULSE_NOTIFY_AFTER",
            "seconds a message may stay unread by an offline participant before it is notified", "60"},
           decimal(&Config::notify_after_s, 0.05, 86400)),
      bind({"--webhook-url", "TECHPULSE_WEBHOOK_URL",
            "http:// URL offline notifications are POSTed to (empty: none are sent)", ""},
           text(&Config::webhook_url)),
      bind({"--webhook-secret", "TECHPULSE_WEBHOOK_SECRET", "HMAC-SHA256 key of the TechPulse-Signature header", ""},
           text(&Config::webhook_secret), true),
      bind({"--webhook-retry-base-ms", "TECHPULSE_WEBHOOK_RETRY_BASE_MS",
            "delay before the first retry of a failed notification (doubling, at most 1 h, for 24 h)", "10000"},
           number(&Config::webhook_retry_base_ms, 10, 3600000)),
      bind({"--webhook-timeout-ms", "TECHPULSE_WEBHOOK_TIMEOUT_MS", "longest a webhook POST may take", "10000"},
           number(&Config::webhook_timeout_ms, 100, 600000)),
  };
  return all;
}

}  // namespace techpulse::gateway::detail
