#include "support/pg_support.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "protocol/uuid.hpp"
#include "support/gateway_process.hpp"

namespace techpulse::test {

std::string server_url() {
  const char* v = std::getenv("TECHPULSE_TEST_PG_URL");
  if (!v || !*v) {
    throw std::runtime_error("TECHPULSE_TEST_PG_URL is not set: run the suites through tests/run.sh");
  }
  return v;
}

std::string database_url(const std::string& name) {
  auto url = server_url();
  auto slash = url.rfind('/');
  return url.substr(0, slash + 1) + name;
}

std::string fresh_database(const std::string& name) {
  Db admin(server_url());
  admin.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  admin.exec("CREATE DATABASE " + name);
  return database_url(name);
}

int run_migrate(const std::string& url, std::string* output) {
  std::string cmd = gateway_binary() + " migrate --database-url '" + url + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string migrated_database(const std::string& name, const std::function<void(const std::string&)>& prepare) {
  static std::mutex mutex;
  static std::map<std::string, std::string> urls;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = urls.find(name);
  if (it != urls.end()) return it->second;
  auto url = fresh_database(name);
  if (run_migrate(url) != 0) throw std::runtime_error("migrate failed for " + name);
  if (prepare) prepare(url);
  return urls.emplace(name, url).first->second;
}

void restart_server() {
  const char* dir = std::getenv("TECHPULSE_TEST_PG_DIR");
  const char* port = std::getenv("TECHPULSE_TEST_PG_PORT");
  if (!dir || !port) throw std::runtime_error("TECHPULSE_TEST_PG_DIR/PORT are not set");
  std::string cmd = std::string(TECHPULSE_SOURCE_DIR) + "/deploy/pg.sh restart " + dir + " " + port;
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("could not restart PostgreSQL");
}

void exec_sql_file(const std::string& url, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  Db db(url);
  try {
    db.exec_script(ss.str());
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

Db::Db(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn_);
    PQfinish(conn_);
    throw std::runtime_error("cannot connect to " + url + ": " + msg);
  }
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
}

Db::~Db() { PQfinish(conn_); }

void Db::exec_script(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  auto st = PQresultStatus(r);
  std::string msg = PQresultErrorMessage(r);
  PQclear(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) throw std::runtime_error("SQL script failed: " + msg);
}

std::vector<Row> Db::exec(const std::string& sql, const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                             nullptr, 0);
  auto st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    std::string msg = PQresultErrorMessage(r);
    PQclear(r);
    throw std::runtime_error("SQL failed: " + msg + " in: " + sql);
  }
  std::vector<Row> rows;
  for (int i = 0; i < PQntuples(r); ++i) {
    Row row;
    for (int c = 0; c < PQnfields(r); ++c) {
      if (PQgetisnull(r, i, c)) row.emplace_back(std::nullopt);
      else row.emplace_back(std::string(PQgetvalue(r, i, c), PQgetlength(r, i, c)));
    }
    rows.push_back(std::move(row));
  }
  PQclear(r);
  return rows;
}

std::string Db::scalar(const std::string& sql, const std::vector<std::optional<std::string>>& params) {
  auto rows = exec(sql, params);
  if (rows.empty() || rows[0].empty() || !rows[0][0]) return {};
  return *rows[0][0];
}

std::string random_uuid() { return protocol::new_uuid(); }

std::string make_profile(Db& db, const std::string& role) {
  auto id = random_uuid();
  db.exec("INSERT INTO profiles (id, username, role) VALUES ($1, $2, $3)", {id, "user-" + id.substr(0, 8), role});
  return id;
}

std::string make_thread(Db& db, const std::string& user_id, const std::string& title) {
  auto id = random_uuid();
  db.exec("INSERT INTO conversation_threads (id, user_id, title) VALUES ($1, $2, $3)", {id, user_id, title});
  return id;
}

}  // namespace techpulse::test
