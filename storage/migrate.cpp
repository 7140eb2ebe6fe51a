#include "storage/migrate.hpp"

#include <set>

namespace techpulse::storage {

asio::awaitable<PgOutcome<std::vector<std::string>>> apply_migrations(PgConn& conn, Millis timeout) {
  using R = std::vector<std::string>;
  auto run = [&](std::string_view sql) { return conn.exec(sql, timeout); };
  auto r = co_await run(
      "SELECT pg_advisory_lock(7312005);"
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      "  version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
  if (!r.ok()) co_return PgOutcome<R>::fail(r.error);
  auto done = co_await conn.query("SELECT version FROM schema_migrations", {}, timeout);
  if (!done.ok()) co_return PgOutcome<R>::fail(done.error);
  std::set<std::string> applied;
  for (int i = 0; i < done.value->rows(); ++i) {
    applied.emplace(done.value->get(i, 0));
  }
  R out;
  for (const auto& m : embedded_migrations()) {
    if (applied.count(m.version)) {
      continue;
    }
    std::string sql = "BEGIN;\n" + m.sql + "\n;INSERT INTO schema_migrations (version) VALUES ('" + m.version +
                      "');\nCOMMIT;";
    auto res = co_await run(sql);
    if (!res.ok()) {
      if (conn.connected()) {
        co_await run("ROLLBACK; SELECT pg_advisory_unlock(7312005)");
      }
      res.error.message = "migration " + m.version + " failed: " + res.error.message;
      co_return PgOutcome<R>::fail(res.error);
    }
    out.push_back(m.version);
  }
  co_await run("SELECT pg_advisory_unlock(7312005)");
  co_return PgOutcome<R>{std::move(out), {}};
}

}  // namespace techpulse::storage
