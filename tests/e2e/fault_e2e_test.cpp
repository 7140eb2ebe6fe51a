// Faults end to end (issue 19, item 6): the real binary, real sockets, a real PostgreSQL, and subscribers that
// count every row. The LISTEN connection killed under load; PostgreSQL restarted while assistant turns stream;
// the database refusing connections (max_connections reached) at start and while serving.
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "support/chat_helpers.hpp"
#include "support/fake_llm.hpp"
#include "support/gateway_process.hpp"
#include "support/log_lines.hpp"
#include "support/pg_support.hpp"
#include "support/ws_client.hpp"

using namespace techpulse::test;
using Clock = std::chrono::steady_clock;

namespace {

std::string fault_db() { return migrated_database("tp_test_fault"); }

int64_t cursor_of(const std::string& frame) { return std::stoll(json_str(frame, "/cursor")); }

// What one subscriber saw of each thread: message ids and cursors in arrival order.
struct Seen {
  std::map<std::string, std::vector<std::pair<int64_t, std::string>>> by_thread;
  size_t total = 0;
  void add(const std::string& frame) {
    by_thread[json_str(frame, "/message/thread_id")].emplace_back(cursor_of(frame), json_str(frame, "/message/id"));
    ++total;
  }
};

// Reads message frames until `want` arrived or nothing came for `quiet` (bounded by `within`).
void read_messages(WsClient& c, Seen& seen, size_t want, std::chrono::seconds within) {
  auto deadline = Clock::now() + within;
  while (seen.total < want && Clock::now() < deadline) {
    auto f = c.recv(10s);
    if (!f) break;
    if (json_str(*f, "/type") == "message") seen.add(*f);
  }
}

// Every row of these threads reached the subscriber once, in cursor order.
void check_exactly_once_in_order(Db& db, const std::vector<std::string>& threads, const Seen& seen,
                                 const std::string& who) {
  INFO("subscriber " << who);
  for (const auto& t : threads) {
    INFO("thread " << t);
    auto rows = db.exec("SELECT seq, id FROM chat_messages WHERE thread_id = $1 ORDER BY seq", {t});
    std::vector<std::pair<int64_t, std::string>> stored;
    for (auto& r : rows) stored.emplace_back(std::stoll(*r[0]), *r[1]);
    auto it = seen.by_thread.find(t);
    REQUIRE(it != seen.by_thread.end());
    CHECK(it->second.size() == stored.size());
    CHECK(it->second == stored);
  }
}

// The pid of the gateway's LISTEN backend in database `db` (not the assistant's), or empty.
std::string listener_pid(Db& admin, const std::string& db) {
  return admin.scalar(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN tp_chat%' ORDER BY backend_start "
      "DESC LIMIT 1",
      {db});
}

}  // namespace

TEST_CASE("the LISTEN connection killed by pg_terminate_backend under load: every row arrives once, in order",
          "[fault]") {
  Db db(fault_db());
  Db admin(server_url());
  auto user = make_profile(db);
  std::vector<std::string> threads;
  for (int i = 0; i < 4; ++i) threads.push_back(make_thread(db, user));
  db.exec("UPDATE conversation_threads SET assistant_enabled = false WHERE user_id = $1", {user});
  GatewayProcess gw(fault_db(), {{"TECHPULSE_AI_WORKERS", "0"}, {"TECHPULSE_RATE_LIMIT", "0"}});

  std::vector<std::unique_ptr<WsClient>> subs;
  for (int s = 0; s < 2; ++s) {
    subs.push_back(connect_as(gw, user));
    for (size_t i = 0; i < threads.size(); ++i) subscribe(*subs.back(), threads[i], "s" + std::to_string(i));
  }
  REQUIRE_FALSE(listener_pid(admin, "tp_test_fault").empty());

  // Load: one WebSocket publisher per thread (a window of acks) and one SQL writer over all threads.
  constexpr int kPerThread = 300, kSql = 200;
  std::atomic<int> acked{0}, errors{0};
  std::atomic<bool> load_done{false};
  std::vector<std::thread> load;
  for (size_t i = 0; i < threads.size(); ++i) {
    load.emplace_back([&, i] {
      auto pub = WsClient::connect(gw.port(), gw.token(user));
      if (!pub || !pub->recv_type("welcome")) {
        ++errors;
        return;
      }
      int sent = 0, got = 0;
      auto deadline = Clock::now() + 120s;
      while (got < kPerThread && Clock::now() < deadline) {
        while (sent < kPerThread && sent - got < 20) {
          pub->send(send_frame(threads[i], "ws " + std::to_string(sent), "p" + std::to_string(sent),
                               "c" + std::to_string(i) + "-" + std::to_string(sent)));
          ++sent;
        }
        auto f = pub->recv(10s);
        if (!f) break;
        auto type = json_str(*f, "/type");
        if (type == "ack") ++got, ++acked;
        if (type == "error") ++errors;
      }
    });
  }
  load.emplace_back([&] {
    Db w(fault_db());
    for (int k = 0; k < kSql; ++k) {
      w.exec("INSERT INTO chat_messages (thread_id, sender_id, role, content) VALUES ($1, NULL, 'system', $2)",
             {threads[k % threads.size()], "sql " + std::to_string(k)});
    }
  });

  // Kill the LISTEN backend three times while the load runs, each time once the listener is back.
  int kills = 0;
  std::string last;
  auto deadline = Clock::now() + 60s;
  while (kills < 3 && Clock::now() < deadline) {
    auto pid = listener_pid(admin, "tp_test_fault");
    if (pid.empty() || pid == last) {
      std::this_thread::sleep_for(10ms);  // waiting for the listener's new backend to appear
      continue;
    }
    admin.exec("SELECT pg_terminate_backend($1::int)", {pid});
    last = pid;
    ++kills;
    // Let rows commit while the listener is away: wait for 100 more acks (or the end of the load).
    const int before = acked;
    while (acked < before + 100 && acked < kPerThread * static_cast<int>(threads.size()) && Clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
  }
  for (auto& t : load) t.join();
  CHECK(kills == 3);
  CHECK(errors == 0);
  REQUIRE(acked == kPerThread * static_cast<int>(threads.size()));

  const size_t want = static_cast<size_t>(kPerThread) * threads.size() + kSql;
  for (size_t s = 0; s < subs.size(); ++s) {
    Seen seen;
    read_messages(*subs[s], seen, want, 60s);
    check_exactly_once_in_order(db, threads, seen, std::to_string(s));
    // Nothing beyond the rows: no duplicate trails behind.
    CHECK_FALSE(subs[s]->recv_type("message", 300ms));
  }
  CHECK(wait_log_event(gw.log_path(), "reconnected"));  // the listener's, in either log format
}

// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("PostgreSQL restarted while assistant turns stream: each turn ends done or failed, once", "[fault]") {
  // Every request streams 20 pieces 100 ms apart: turns are in the middle of streaming when the server restarts.
  FakeLlm llm({[](FakeLlm::Conn& c) {
    std::vector<std::string> pieces;
    for (int i = 0; i < 20; ++i) pieces.push_back("piece " + std::to_string(i) + " ");
    c.stream(pieces, 100);
  }});
  std::vector<std::string> threads;
  std::string user;
  {
    Db db(fault_db());
    user = make_profile(db);
    for (int i = 0; i < 6; ++i) threads.push_back(make_thread(db, user));
  }
  GatewayProcess gw(fault_db(), {{"TECHPULSE_AI_PROVIDER", "openai"},
                                 {"TECHPULSE_AI_BASE_URL", llm.base_url()},
                                 {"TECHPULSE_AI_MODEL", "fake-model"},
                                 {"TECHPULSE_AI_TIMEOUT_MS", "5000"},
                                 {"TECHPULSE_AI_WORKERS", "3"},
                                 {"TECHPULSE_AI_LEASE_MS", "1500"},
                                 {"TECHPULSE_AI_MAX_ATTEMPTS", "3"}});
  auto c = connect_as(gw, user);
  for (size_t i = 0; i < threads.size(); ++i) subscribe(*c, threads[i], "s" + std::to_string(i));
  for (size_t i = 0; i < threads.size(); ++i) {
    c->send(send_frame(threads[i], "My brakes squeal number " + std::to_string(i), "m" + std::to_string(i)));
  }
  // Everything the client receives, in order.
  std::vector<std::string> frames;
  auto take = [&](std::chrono::milliseconds t) {
    auto f = c->recv(t);
    if (f) frames.push_back(*f);
    return f;
  };
  // Restart once turns are streaming.
  auto until = Clock::now() + 20s;
  int deltas = 0;
  while (deltas < 3 && Clock::now() < until) {
    auto f = take(5s);
    if (!f) break;
    if (json_str(*f, "/type") == "assistant.delta") ++deltas;
  }
  REQUIRE(deltas >= 3);
  restart_server();

  // Every job reaches an end state (bounded): done, or failed after its attempts.
  Db db(fault_db());
  std::string in_threads = "ARRAY[";
  for (size_t i = 0; i < threads.size(); ++i) in_threads += (i ? ",'" : "'") + threads[i] + "'::uuid";
  in_threads += "]";
  const std::string ended = "SELECT count(*) FROM assistant_jobs WHERE thread_id = ANY(" + in_threads +
                            ") AND status IN ('done', 'failed', 'cancelled')";
  auto deadline = Clock::now() + 90s;
  while (db.scalar(ended) != std::to_string(threads.size()) && Clock::now() < deadline) {
    take(200ms);  // keep reading the client meanwhile
  }
  REQUIRE(db.scalar(ended) == std::to_string(threads.size()));
  CHECK(db.scalar("SELECT count(*) FROM assistant_jobs WHERE thread_id = ANY(" + in_threads + ")") ==
        std::to_string(threads.size()));
  CHECK(db.scalar(ended + " AND status = 'cancelled'") == "0");

  // In the database: a done job has exactly one stored answer, a failed one none.
  auto jobs = db.exec("SELECT id, status FROM assistant_jobs WHERE thread_id = ANY(" + in_threads + ")");
  std::map<std::string, std::string> status;
  for (auto& j : jobs) status[*j[0]] = *j[1];
  size_t done = 0;
  for (auto& [id, st] : status) {
    INFO("job " << id << " " << st);
    auto answers = db.scalar("SELECT count(*) FROM chat_messages WHERE role = 'assistant' AND metadata->>'turn_id' = $1", {id});
    CHECK(answers == (st == "done" ? "1" : "0"));
    done += st == "done";
  }
  // The client: each stored answer arrives once (live or caught up after the listener's reconnect); at most one
  // end event per turn, and it agrees with the job's state.
  auto answers_seen = [&] {
    std::map<std::string, int> n;
    for (auto& f : frames) {
      if (json_str(f, "/type") == "message" && json_str(f, "/message/role") == "assistant") {
        ++n[json_str(f, "/message/metadata/turn_id")];
      }
    }
    return n;
  };
  auto until_all = Clock::now() + 20s;
  while (answers_seen().size() < done && Clock::now() < until_all) take(500ms);
  for (int i = 0; i < 1000 && take(500ms); ++i) {
  }
  auto seen = answers_seen();
  CHECK(seen.size() == done);
  for (auto& [turn, n] : seen) {
    INFO("turn " << turn);
    CHECK(n == 1);
    CHECK(status[turn] == "done");
  }
  std::map<std::string, std::vector<std::string>> ends;
  for (auto& f : frames) {
    auto type = json_str(f, "/type");
    if (type == "assistant.done" || type == "assistant.error") ends[json_str(f, "/turn_id")].push_back(type);
  }
  for (auto& [turn, e] : ends) {
    INFO("turn " << turn);
    REQUIRE(e.size() == 1);
    CHECK(e[0] == (status[turn] == "done" ? "assistant.done" : "assistant.error"));
  }
}

// ---------------------------------------------------------------------------------------------------------------

namespace {

// A PostgreSQL of this test's own, so its max_connections can be small and nothing of it outlives the test.
class PrivatePg {
 public:
  explicit PrivatePg(int max_connections) {
    char tmpl[] = "/tmp/techpulse-fault-pg.XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0755);
    port_ = std::to_string(free_port());
    pg("start");
    {
      Db admin(url("postgres"));
      admin.exec("ALTER SYSTEM SET max_connections = " + std::to_string(max_connections));
      admin.exec("CREATE DATABASE tp_fault");
    }
    pg("restart");
  }
  ~PrivatePg() {
    std::system((script() + " stop " + dir_ + " " + port_ + " >/dev/null 2>&1").c_str());
    std::system(("rm -rf " + dir_).c_str());
  }
  std::string url(const std::string& db) const { return "postgresql://postgres@127.0.0.1:" + port_ + "/" + db; }

 private:
  static std::string script() { return std::string(TECHPULSE_SOURCE_DIR) + "/deploy/pg.sh"; }
  void pg(const std::string& cmd) {
    if (std::system((script() + " " + cmd + " " + dir_ + " " + port_).c_str()) != 0) {
      throw std::runtime_error("pg.sh " + cmd + " failed");
    }
  }
  std::string dir_;
  std::string port_;
};

// Opens connections to `url` until the server refuses one for lack of slots (SQLSTATE 53300: "too many clients",
// "remaining connection slots are reserved"); REQUIREs that refusal, bounded at 100 connections.
void fill_slots(const std::string& url, std::vector<std::unique_ptr<Db>>& held) {
  for (int i = 0; i < 100; ++i) {
    try {
      held.push_back(std::make_unique<Db>(url));
    } catch (const std::runtime_error& e) {
      std::string m = e.what();
      INFO(m);
      REQUIRE((m.find("too many clients") != std::string::npos ||
               m.find("remaining connection slots are reserved") != std::string::npos));
      return;
    }
  }
  FAIL("the server never refused a connection");
}

int readyz(const GatewayProcess& gw, std::string* body = nullptr) { return http_get(gw.port(), "/readyz", body); }

// Waits (bounded) until /readyz answers 200.
bool becomes_ready(const GatewayProcess& gw, std::chrono::seconds within) {
  auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    if (readyz(gw) == 200) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

}  // namespace

TEST_CASE("max_connections reached at start and while serving: unavailable, not ready, recovery without a restart",
          "[fault]") {
  PrivatePg pg(12);
  const std::string url = pg.url("tp_fault");
  REQUIRE(run_migrate(url) == 0);
  std::string user, thread;
  {
    Db db(url);
    user = make_profile(db);
    thread = make_thread(db, user);
    db.exec("UPDATE conversation_threads SET assistant_enabled = false WHERE id = $1", {thread});
  }
  // The test's own connections go to another database, so the gateway's are the only ones in tp_fault.
  std::vector<std::unique_ptr<Db>> held;
  fill_slots(pg.url("postgres"), held);
  REQUIRE(held.size() >= 4);

  GatewayProcess gw(url, {{"TECHPULSE_AI_WORKERS", "0"}, {"TECHPULSE_DB_POOL_SIZE", "2"}, {"TECHPULSE_DB_WRITERS", "1"},
                          {"TECHPULSE_DB_CONNECT_TIMEOUT_MS", "1000"}, {"TECHPULSE_DB_TIMEOUT_MS", "2000"}});
  SECTION("at start") {
    std::string body;
    CHECK(readyz(gw, &body) == 503);
    CHECK(json_str(body, "/status") == "not_ready");
    CHECK(json_str(body, "/reason") == "database unreachable");
    int status = 0;
    CHECK_FALSE(WsClient::connect(gw.port(), gw.token(user), &status, &body));
    CHECK(status == 503);
    CHECK(json_str(body, "/error") == "unavailable");

    held.clear();
    REQUIRE(becomes_ready(gw, 20s));
    auto a = connect_as(gw, user);
    subscribe(*a, thread);
    auto b = connect_as(gw, user);
    b->send(send_frame(thread, "after the refusal", "m1", "m1"));
    REQUIRE(b->recv_type("ack", 10s, "m1"));
    auto m = a->recv_type("message", 15s);
    REQUIRE(m);
    CHECK(json_str(*m, "/message/content") == "after the refusal");
  }
  SECTION("while serving") {
    held.clear();
    REQUIRE(becomes_ready(gw, 20s));
    auto a = connect_as(gw, user);
    subscribe(*a, thread);
    auto b = connect_as(gw, user);
    b->send(send_frame(thread, "before", "m0", "m0"));
    REQUIRE(b->recv_type("ack", 10s, "m0"));
    REQUIRE(a->recv_type("message", 10s));

    // Take every free slot, then, with the gateway frozen so it cannot reconnect first, end its backends and take
    // their slots too. The first held connection is in tp_fault: it writes a row while the gateway is refused.
    held.push_back(std::make_unique<Db>(url));
    fill_slots(pg.url("postgres"), held);
    REQUIRE(::kill(gw.pid(), SIGSTOP) == 0);
    const std::string others = "FROM pg_stat_activity WHERE datname = 'tp_fault' AND pid <> pg_backend_pid()";
    // Terminated again on each pass: a connection the gateway had begun just before it froze can still become a
    // backend after the first pg_terminate_backend (seen under load).
    auto gone = Clock::now() + 10s;
    while (held[0]->scalar("SELECT count(*) " + others) != "0" && Clock::now() < gone) {
      held[0]->exec("SELECT pg_terminate_backend(pid) " + others);
      std::this_thread::sleep_for(10ms);  // waiting for the backends to exit
    }
    REQUIRE(held[0]->scalar("SELECT count(*) " + others) == "0");
    fill_slots(pg.url("postgres"), held);
    REQUIRE(::kill(gw.pid(), SIGCONT) == 0);

    std::string body;
    CHECK(readyz(gw, &body) == 503);
    CHECK(json_str(body, "/reason") == "database unreachable");
    b->send(send_frame(thread, "refused", "m1", "m1"));
    auto e = b->recv_type("error", 10s, "m1");
    REQUIRE(e);
    CHECK(json_str(*e, "/code") == "unavailable");
    b->send(R"({"type":"history","ref":"h1","thread_id":")" + thread + "\"}");
    auto h = b->recv_type("error", 10s, "h1");
    REQUIRE(h);
    CHECK(json_str(*h, "/code") == "unavailable");
    int status = 0;
    CHECK_FALSE(WsClient::connect(gw.port(), gw.token(user), &status, &body));
    CHECK(status == 503);
    // Committed by SQL while the gateway is refused: delivered after it is back.
    held[0]->exec("INSERT INTO chat_messages (thread_id, sender_id, role, content) VALUES ($1, NULL, 'system', 'meanwhile')",
                  {thread});

    held.clear();
    REQUIRE(becomes_ready(gw, 20s));
    b->send(send_frame(thread, "after", "m2", "m1"));  // the refused send again, same client_msg_id
    auto ack = b->recv_type("ack", 10s, "m2");
    REQUIRE(ack);
    CHECK_FALSE(json_bool(*ack, "/duplicate"));  // the refused send was not stored
    std::vector<std::string> got;
    for (int i = 0; i < 2; ++i) {
      auto m = a->recv_type("message", 15s);
      REQUIRE(m);
      got.push_back(json_str(*m, "/message/content"));
    }
    CHECK(got == std::vector<std::string>{"meanwhile", "after"});
    CHECK_FALSE(a->recv_type("message", 300ms));
    CHECK(becomes_ready(gw, 1s));
  }
}
