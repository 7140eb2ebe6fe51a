#pragma once
// gateway: the composition root. Config, the HTTP listener and routes, WebSocket sessions, the subscription hub,
// authentication, and main. It may use every other module; nothing depends on it.
#include <cstdint>
#include <memory>
#include <functional>
#include <string>
#include <vector>

#include "gateway/jwt.hpp"
#include "gateway/attachments/policy.hpp"

namespace techpulse::gateway {

struct Config {
  std::string listen = "127.0.0.1:8080";
  // Serve GET /metrics on this address:port only (the main listener then answers it 404); empty: on the main one.
  std::string metrics_listen;
  std::string database_url = "postgresql://postgres@127.0.0.1:54329/techpulse";
  std::string jwt_secret;
  std::string jwt_jwks_file;  // RS256/ES256 keys (gateway/jwks.hpp); empty: HS256 only
  std::shared_ptr<const Jwks> jwks;  // read from jwt_jwks_file by load_config
  unsigned threads = 0;  // event loops; 0: one per core
  int heartbeat_ms = 25000;
  size_t max_frame_bytes = 64 * 1024;
  size_t max_queue_frames = 65536;
  size_t max_queue_bytes = 4 * 1024 * 1024;
  // A session whose queue is over max_queue_frames/bytes is closed as a slow consumer when no write of it completes
  // for this long; over kHardQueueFactor times the bounds it is closed at once (docs/protocol.md).
  int slow_consumer_ms = 5000;
  size_t max_subscriptions = 100;
  int handshake_timeout_ms = 10000;
  size_t max_content_bytes = 60 * 1024;
  size_t max_title_chars = 200;  // code points
  size_t max_metadata_bytes = 8 * 1024;
  unsigned rate_limit_per_s = 100;  // client frames per second per connection (token bucket refill); 0: no limit
  unsigned rate_limit_burst = 200;  // bucket size
  size_t max_connections = 50000;   // open TCP connections of this process; 0: no cap
  size_t max_connections_per_ip = 5000;
  int drain_timeout_ms = 10000;     // SIGTERM: how long sends in flight may take before the process exits
  size_t db_pool_size = 4;
  // Statements in flight at once for admissions and subscription set-ups (coalesced_reads.hpp), and how many
  // connections may wait for their admission before an upgrade is refused with 503.
  size_t admission_concurrency = 3;
  size_t admission_queue = 20000;
  int db_timeout_ms = 5000;
  int db_connect_timeout_ms = 2000;
  size_t db_writers = 2;
  size_t db_max_batch = 256;
  std::string log_level = "info";
  std::string log_format = "auto";  // json | logfmt | auto (json unless stderr is a terminal)
  std::string allowed_origins;  // comma-separated; empty: any Origin (or none) is accepted
  std::string web_root;         // serve the web app from this directory instead of the embedded files
  // Attachments (docs/http-api.md): the largest upload, the allowed content types (each checked by its magic bytes;
  // the list as given and as parsed), and how long an attachment no message carries is kept.
  size_t max_attachment_bytes = 10 * 1024 * 1024;
  std::string attachment_types{attachments::kDefaultTypes};
  std::vector<std::string> attachment_type_list = attachments::parse_types(attachments::kDefaultTypes);
  int64_t attachment_orphan_ttl_s = 24 * 3600;
  // Native TLS (gateway/transport/tls.hpp): both set, the listener serves https and wss only; both empty, plain.
  std::string tls_cert;  // PEM certificate chain, the server's certificate first
  std::string tls_key;   // PEM private key of that certificate, unencrypted
  // The assistant worker pool (ai/assistant.hpp).
  std::string ai_provider = "extractive";
  unsigned ai_workers = 2;
  std::string ai_base_url;
  std::string ai_model;
  std::string ai_api_key;
  std::string ai_ca_file;
  int ai_timeout_ms = 30000;
  int ai_retries = 2;
  int ai_lease_ms = 30000;
  int ai_max_attempts = 3;
  int ai_prompt_budget_chars = 12000;
  int ai_history_messages = 10;
  double ai_handoff_confidence = 0.35;  // below it (or with nothing retrieved) the assistant hands off; 0: never
  // The support desk (docs/desk.md, docs/webhooks.md).
  std::string routing = "manual";  // manual | least-loaded
  double notify_after_s = 60;      // a message unread this long by an offline participant is notified
  std::string webhook_url;         // http://host:port/path; empty: no notifications are sent (they wait)
  std::string webhook_secret;
  int webhook_retry_base_ms = 10000;  // the first retry's delay; doubling, at most an hour apart, for 24 h
  int webhook_timeout_ms = 10000;
};

struct ConfigOption {
  std::string flag;  // --name; in a config file the same name without the dashes (`-` or `_` between words)
  std::string env;   // TECHPULSE_NAME
  std::string help;
  std::string default_value;
  bool secret = false;   // masked by `config`
  bool numeric = false;  // printed unquoted by `config`
};

// The options `--help` lists and README documents.
std::vector<ConfigOption> config_options();

// Where a value came from. Precedence: flag > env > file > default.
enum class Source { default_value, file, env, flag };
std::string_view source_name(Source s);

struct LoadedConfig {
  struct Value {
    ConfigOption option;
    std::string value;   // as given (or the default)
    Source source = Source::default_value;
    std::string origin;  // "--threads", "TECHPULSE_THREADS", "/etc/techpulse.toml: threads" or "default"
  };
  Config config;
  std::vector<std::string> rest;  // the arguments that are not configuration (the command and its own flags)
  std::string file;               // the --config / TECHPULSE_CONFIG file read, or empty
  std::vector<Value> values;      // one per option, in config_options() order
};

// Returns the value of an environment variable, or nullptr.
using EnvLookup = std::function<const char*(const char*)>;

// Parses the flags (CLI11), the environment and the optional config file (TOML or INI, `--config FILE` or
// TECHPULSE_CONFIG). Throws std::invalid_argument naming the setting, where it came from and the accepted values.
LoadedConfig load(const std::vector<std::string>& args, EnvLookup env = nullptr);

// The same, for main: `rest` receives the arguments that are not configuration.
Config load_config(int argc, char** argv, std::vector<std::string>& rest);

// The effective configuration as a TOML file that `--config` reads back, each value followed by its source;
// secrets (the JWT secret, the API key, a password in the database URL) masked.
std::string describe(const LoadedConfig& c);

// A libpq URL or key=value connection string with its password replaced by "***".
std::string mask_conninfo(std::string_view conninfo);

std::string usage();

// What tokens are verified with: the one set of keys every entry point passes to verify_jwt.
inline JwtKeys jwt_keys(const Config& c) {
  JwtKeys k;
  k.hs256_secret = c.jwt_secret;
  k.jwks = c.jwks;
  return k;
}

}  // namespace techpulse::gateway
