#pragma once
// Test helpers for a real PostgreSQL started by tests/run.sh. Blocking libpq is fine here: tests are not loops.
#include <libpq-fe.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace techpulse::test {

// The server tests/run.sh started: TECHPULSE_TEST_PG_URL (a URL to its `postgres` database).
std::string server_url();
// A URL to database `name` on that server.
std::string database_url(const std::string& name);
// Drops and creates database `name`, returns its URL.
std::string fresh_database(const std::string& name);
// Runs `techpulse-gateway migrate` against url; returns its exit code.
int run_migrate(const std::string& url, std::string* output = nullptr);
// A suite's database: the first call in a process creates database `name` afresh, migrates it and runs `prepare` on
// its URL (seed data, say); every call returns its URL. Throws when the migration fails.
std::string migrated_database(const std::string& name,
                              const std::function<void(const std::string& url)>& prepare = {});
// Restarts the test PostgreSQL server (deploy/pg.sh restart).
void restart_server();
// Runs the statements of an .sql file (the demo knowledge base, say) against url; throws on failure.
void exec_sql_file(const std::string& url, const std::string& path);

using Row = std::vector<std::optional<std::string>>;

class Db {
 public:
  explicit Db(const std::string& url);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  // Runs a statement; throws std::runtime_error with the server's message on failure.
  std::vector<Row> exec(const std::string& sql, const std::vector<std::optional<std::string>>& params = {});
  std::string scalar(const std::string& sql, const std::vector<std::optional<std::string>>& params = {});
  // Several statements in the simple protocol (a .sql file); throws on failure.
  void exec_script(const std::string& sql);

 private:
  PGconn* conn_;
};

std::string random_uuid();

// Inserts a profile and returns its id.
std::string make_profile(Db& db, const std::string& role = "customer");
// Inserts a thread owned by user (assistant on, the column default) and returns its id.
std::string make_thread(Db& db, const std::string& user_id, const std::string& title = "test thread");

}  // namespace techpulse::test
