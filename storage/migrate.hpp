#pragma once
#include <string>
#include <vector>

#include "storage/pg_conn.hpp"

namespace techpulse::storage {

struct Migration {
  std::string version;  // the file name without .sql, e.g. "001_schema"
  std::string sql;
};

// storage/migrations/*.sql, in order, compiled into the binary.
const std::vector<Migration>& embedded_migrations();

// Applies the pending migrations, each in its own transaction, recorded in schema_migrations. An advisory lock
// keeps two nodes from migrating at once. Returns the versions it applied (empty when there was nothing to do).
asio::awaitable<PgOutcome<std::vector<std::string>>> apply_migrations(PgConn& conn, Millis timeout);

}  // namespace techpulse::storage
