// techpulse-gateway: serve | migrate | token | config | check | version. See --help.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <iostream>

#include "gateway/config.hpp"
#include "gateway/jwt.hpp"
#include "gateway/log.hpp"
#include "gateway/reload.hpp"
#include "gateway/transport/server.hpp"
#include "gateway/transport/tls.hpp"
#include "protocol/uuid.hpp"
#include "storage/chat_store.hpp"
#include "storage/migrate.hpp"

using namespace techpulse;
using namespace techpulse::gateway;

namespace {

int cmd_migrate(const Config& cfg) {
  asio::io_context ioc(1);
  storage::PgConn conn(ioc.get_executor(), cfg.database_url);
  auto fut = asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<int> {
        if (auto err = co_await conn.connect(std::chrono::milliseconds(cfg.db_connect_timeout_ms))) {
          std::cerr << "migrate: " << err->message << "\n";
          co_return 1;
        }
        auto r = co_await storage::apply_migrations(conn, std::chrono::minutes(5));
        if (!r.ok()) {
          std::cerr << "migrate: " << r.error.message << " (SQLSTATE " << r.error.sqlstate << ")\n";
          co_return 1;
        }
        if (r.value->empty()) {
          std::cout << "migrate: the schema is current (" << storage::embedded_migrations().size()
                    << " migrations)\n";
        }
        for (const auto& v : *r.value) std::cout << "migrate: applied " << v << "\n";
        co_return 0;
      },
      asio::use_future);
  ioc.run();
  return fut.get();
}

int cmd_token(const Config& cfg, const std::vector<std::string>& args) {
  std::string sub, role = "customer";
  long long ttl = 3600;
  for (size_t i = 1; i < args.size(); ++i) {
    auto need = [&](const char* name) -> std::string {
      if (i + 1 >= args.size()) throw std::invalid_argument(std::string(name) + " needs a value");
      return args[++i];
    };
    if (args[i] == "--sub") sub = need("--sub");
    else if (args[i] == "--role") role = need("--role");
    else if (args[i] == "--ttl") ttl = std::stoll(need("--ttl"));
    else throw std::invalid_argument("token: unknown argument " + args[i]);
  }
  if (!protocol::is_uuid(sub)) throw std::invalid_argument("token: --sub must be a UUID");
  if (cfg.jwt_secret.empty()) throw std::invalid_argument("token: set TECHPULSE_JWT_SECRET or --jwt-secret");
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::cout << mint_jwt(Claims{sub, role, now + ttl}, cfg.jwt_secret, now) << "\n";
  return 0;
}

// Like `nginx -t`: the configuration is valid (load() already threw otherwise), the listen address parses, and the
// database answers with every migration applied. Serves nothing.
int cmd_check(const Config& cfg) {
  if (cfg.jwt_secret.empty()) {
    std::cerr << "check: --jwt-secret / TECHPULSE_JWT_SECRET: required to serve\n";
    return 2;
  }
  if (!cfg.tls_cert.empty()) {
    try {
      make_tls_context(cfg.tls_cert, cfg.tls_key);
    } catch (const std::exception& e) {
      std::cerr << "check: " << e.what() << "\n";
      return 2;
    }
  }
  try {
    parse_endpoint(cfg.listen);
  } catch (const std::exception& e) {
    std::cerr << "check: --listen / TECHPULSE_LISTEN: expected address:port, got \"" << cfg.listen << "\" ("
              << e.what() << ")\n";
    return 2;
  }
  std::cout << "check: configuration ok\n";
  asio::io_context ioc(1);
  storage::PoolOptions pool{cfg.database_url, 1, std::chrono::milliseconds(cfg.db_connect_timeout_ms),
                            std::chrono::milliseconds(cfg.db_timeout_ms)};
  storage::ChatStore store(ioc.get_executor(), pool, storage::WriterOptions{1, 1});
  int rc = 1;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        auto r = co_await store.ready();
        if (!r.ok()) {
          std::cerr << "check: database unreachable (" << mask_conninfo(cfg.database_url) << "): " << r.error.message
                    << "\n";
        } else if (!*r.value) {
          std::cerr << "check: database reachable, but migrations are pending: run `techpulse-gateway migrate`\n";
        } else {
          std::cout << "check: database reachable, schema current (" << storage::embedded_migrations().size()
                    << " migrations)\n";
          rc = 0;
        }
      },
      [&](std::exception_ptr) { ioc.stop(); });
  ioc.run();
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  LoadedConfig loaded;
  try {
    loaded = load(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::cerr << "techpulse-gateway: " << e.what() << "\n\nSee techpulse-gateway --help.\n";
    return 2;
  }
  const Config& cfg = loaded.config;
  const std::vector<std::string>& rest = loaded.rest;
  std::string cmd = rest.empty() ? "serve" : rest[0];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << usage();
    return 0;
  }
  logging::set_level(logging::parse_level(cfg.log_level));
  logging::set_format(logging::parse_format(cfg.log_format));
  try {
    if (cmd == "version") {
      std::cout << "techpulse-gateway 0.1.0 (protocol techpulse.v1)\n";
      return 0;
    }
    if ((cmd == "config" || cmd == "check") && rest.size() > 1) {
      throw std::invalid_argument(cmd + ": unknown argument " + rest[1]);
    }
    if (cmd == "config") {
      std::cout << describe(loaded);
      return 0;
    }
    if (cmd == "check") return cmd_check(cfg);
    if (cmd == "migrate") return cmd_migrate(cfg);
    if (cmd == "token") return cmd_token(cfg, rest);
    if (cmd == "serve") {
      if (rest.size() > 1) throw std::invalid_argument("serve: unknown argument " + rest[1]);
      if (cfg.jwt_secret.empty()) throw std::invalid_argument("serve: set TECHPULSE_JWT_SECRET or --jwt-secret");
      std::shared_ptr<TlsCredentials> tls;
      if (!cfg.tls_cert.empty()) {
        try {
          tls = std::make_shared<TlsCredentials>(cfg.tls_cert, cfg.tls_key);
        } catch (const std::invalid_argument& e) {
          std::cerr << "techpulse-gateway: " << e.what() << "\n";
          return 2;
        }
      }
      reload_on_sighup(std::vector<std::string>(argv + 1, argv + argc), loaded, [tls](const Config& next) {
        if (!tls) {
          if (!next.tls_cert.empty()) log(Level::warn, "reload_needs_restart", "setting=--tls-cert reason={}",
                                          quoted("TLS was off at start"));
          return;
        }
        if (next.tls_cert.empty()) {
          log(Level::warn, "reload_needs_restart", "setting=--tls-cert reason={}", quoted("TLS was on at start"));
          return;
        }
        if (auto err = tls->reload(next.tls_cert, next.tls_key)) {
          log(Level::error, "tls_reload_failed", "error={} action={}", quoted(*err),
              quoted("kept the running certificate"));
        } else {
          log(Level::info, "tls_reloaded", "cert={}", quoted(next.tls_cert));
        }
      });
      Server server(cfg, tls);
      return server.run();
    }
    std::cerr << "techpulse-gateway: unknown command " << cmd << "\n\n" << usage();
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "techpulse-gateway: " << e.what() << "\n";
    return 1;
  }
}
