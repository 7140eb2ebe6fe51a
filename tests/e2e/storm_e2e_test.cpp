// Reconnect storms (issue 18, target 4), end to end: the real binary, real sockets, a real PostgreSQL. Hundreds of
// clients that were subscribed reconnect at once with `since` after the node restarts; each gets every message
// once, in order, across the replay/live hand-over, and the replay reads of one thread are shared. Handshakes
// beyond --admission-queue waiting are refused with 503; those waiting are admitted.
#include <catch2/catch.hpp>

#include <map>
#include <sstream>
#include <thread>

#include "support/chat_helpers.hpp"
#include "support/gateway_process.hpp"
#include "support/pg_support.hpp"
#include "support/ws_client.hpp"

using namespace techpulse::test;
using Clock = std::chrono::steady_clock;

namespace {

std::string storm_db() { return migrated_database("tp_test_storm"); }

// One sample of the scrape: `name{labels}` exactly as exposed (0 when absent).
double metric(unsigned short port, const std::string& series) {
  std::string body;
  REQUIRE(http_get(port, "/metrics", &body) == 200);
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return 0;
}

// Polls the scrape until the series reaches at least `value`: bounded in count and time.
bool metric_reaches(unsigned short port, const std::string& series, double value) {
  for (int i = 0; i < 400; ++i) {
    if (metric(port, series) >= value) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return false;
}

const std::string kReplayRequests = R"(techpulse_coalesced_requests_total{read="replay"})";
const std::string kReplayStatements = R"(techpulse_coalesced_statements_total{read="replay"})";
const std::string kAccessRequests = R"(techpulse_coalesced_requests_total{read="access"})";
const std::string kAccessStatements = R"(techpulse_coalesced_statements_total{read="access"})";
const std::string kProfileStatements = R"(techpulse_coalesced_statements_total{read="profile"})";

void insert_messages(Db& db, const std::string& thread, const std::string& sender, const std::string& prefix, int n) {
  db.exec("INSERT INTO chat_messages (thread_id, sender_id, content) "
          "SELECT $1, $2, $3 || g FROM generate_series(1, $4::int) g",
          {thread, sender, prefix, std::to_string(n)});
}

// Sends n messages to the thread and waits for every ack.
void send_acked(WsClient& w, const std::string& thread, const std::string& prefix, int n) {
  for (int i = 1; i <= n; ++i) w.send(send_frame(thread, prefix + std::to_string(i), prefix + std::to_string(i)));
  for (int acked = 0; acked < n;) {
    auto f = w.recv(30s);
    REQUIRE(f);
    if (json_str(*f, "/type") == "ack") ++acked;
    if (json_str(*f, "/type") == "error") FAIL("send refused: " << *f);
  }
}

}  // namespace

TEST_CASE("a storm of 300 reconnects with since: every message once and in order, one replay read per thread",
          "[storm]") {
  const auto url = storm_db();
  Db db(url);
  constexpr int kThreads = 3, kClients = 300;
  const std::string owner = make_profile(db, "customer");
  std::vector<std::string> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.push_back(make_thread(db, owner, "storm " + std::to_string(t)));
    insert_messages(db, threads[t], owner, "old-", 5);
  }
  std::vector<std::string> users;
  for (int i = 0; i < kClients; ++i) users.push_back(make_profile(db, "admin"));
  const std::string outsider = make_profile(db, "customer");  // may not read the threads

  // The pool and the gate leave room for the held replay reads below and everything else.
  GatewayProcess gw(url, {{"TECHPULSE_DB_POOL_SIZE", "8"}, {"TECHPULSE_ADMISSION_CONCURRENCY", "6"},
                          {"TECHPULSE_DB_TIMEOUT_MS", "60000"}, {"TECHPULSE_RATE_LIMIT", "0"}});

  // Subscribed before the restart: each client's cursor is where it was when the node went away.
  std::vector<int64_t> since(kClients);
  {
    std::vector<std::unique_ptr<WsClient>> before;
    for (int i = 0; i < kClients; ++i) {
      before.push_back(connect_as(gw, users[i], "admin"));
      before.back()->send(subscribe_frame(threads[i % kThreads], "s"));
    }
    for (int i = 0; i < kClients; ++i) {
      auto s = before[i]->recv_type("subscribed", 30s, "s");
      REQUIRE(s);
      since[i] = std::stoll(json_str(*s, "/cursor"));
    }
    gw.kill9();
  }
  // Written while the node is down.
  for (int t = 0; t < kThreads; ++t) insert_messages(db, threads[t], owner, "down-", 30);
  gw.restart();

  // The replay reads are held by a lock until every client has asked for its page, so the only way for fewer
  // statements than requests is that they share them (the test would fail without coalescing: one per request).
  Db locker(url);
  locker.exec("BEGIN");
  locker.exec("LOCK TABLE chat_messages IN ACCESS EXCLUSIVE MODE");
  const double requests0 = metric(gw.port(), kReplayRequests);
  const double statements0 = metric(gw.port(), kReplayStatements);
  const double access_requests0 = metric(gw.port(), kAccessRequests);
  const double access_statements0 = metric(gw.port(), kAccessStatements);

  std::vector<std::unique_ptr<WsClient>> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(connect_as(gw, users[i], "admin"));
  auto stranger = connect_as(gw, outsider);
  for (int i = 0; i < kClients; ++i) {
    clients[i]->send(subscribe_frame(threads[i % kThreads], "r", std::to_string(since[i])));
  }
  stranger->send(subscribe_frame(threads[0], "r", "0"));
  // Sends during the storm: their INSERTs wait for the lock, and commit while the replays run.
  auto writer = connect_as(gw, owner);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 1; i <= 10; ++i) {
      writer->send(send_frame(threads[t], "during-" + std::to_string(i), "d" + std::to_string(t) + "-" + std::to_string(i)));
    }
  }
  REQUIRE(metric_reaches(gw.port(), kReplayRequests, requests0 + kClients));
  locker.exec("COMMIT");

  // The stranger is refused by its own access check, whoever shared its statement.
  auto refused = stranger->recv_type("error", 30s, "r");
  REQUIRE(refused);
  CHECK(json_str(*refused, "/code") == "forbidden");
  int acked = 0;
  while (acked < kThreads * 10) {
    auto f = writer->recv(30s);
    REQUIRE(f);
    if (json_str(*f, "/type") == "ack") ++acked;
  }
  // After the storm, live ones, and an end marker per thread.
  for (int t = 0; t < kThreads; ++t) send_acked(*writer, threads[t], "after-" + std::to_string(t) + "-", 10);
  for (int t = 0; t < kThreads; ++t) send_acked(*writer, threads[t], "end-" + std::to_string(t) + "-", 1);

  // What each client must have seen: everything of its thread after its `since`, in cursor order.
  std::map<std::pair<int, int64_t>, std::vector<std::string>> expected;
  for (int i = 0; i < kClients; ++i) {
    auto key = std::make_pair(i % kThreads, since[i]);
    if (expected.count(key)) continue;
    for (auto& row : db.exec("SELECT content FROM chat_messages WHERE thread_id = $1 AND seq > $2 ORDER BY seq",
                             {threads[key.first], std::to_string(key.second)})) {
      expected[key].push_back(*row[0]);
    }
  }
  int wrong = 0;
  for (int i = 0; i < kClients; ++i) {
    const int t = i % kThreads;
    const std::string end = "end-" + std::to_string(t) + "-1";
    std::vector<std::string> got;
    bool subscribed = false, replay_after_subscribed = false, live_before_subscribed = false;
    int64_t last = since[i];
    bool ordered = true;
    auto deadline = Clock::now() + 60s;
    while (Clock::now() < deadline) {
      auto f = clients[i]->recv(30s);
      REQUIRE(f);
      auto type = json_str(*f, "/type");
      if (type == "subscribed") {
        subscribed = true;
        continue;
      }
      if (type != "message") continue;
      const bool replay = json_bool(*f, "/replay");
      if (subscribed && replay) replay_after_subscribed = true;
      if (!subscribed && !replay) live_before_subscribed = true;
      const int64_t cursor = std::stoll(json_str(*f, "/cursor"));
      if (cursor <= last) ordered = false;
      last = cursor;
      got.push_back(json_str(*f, "/message/content"));
      if (got.back() == end) break;
    }
    const auto& want = expected[{t, since[i]}];
    if (got != want || !subscribed || replay_after_subscribed || live_before_subscribed || !ordered) {
      if (++wrong <= 3) {
        INFO("client " << i << " got " << got.size() << " of " << want.size() << ", subscribed " << subscribed);
        CHECK(got == want);
        CHECK(ordered);
        CHECK_FALSE(replay_after_subscribed);
        CHECK_FALSE(live_before_subscribed);
      }
    }
  }
  CHECK(wrong == 0);

  // Two statements per thread: the first request's, held by the lock, and one for all who waited behind it.
  const double requests = metric(gw.port(), kReplayRequests) - requests0;
  const double statements = metric(gw.port(), kReplayStatements) - statements0;
  INFO("replay requests " << requests << ", statements " << statements << "; access requests "
                          << metric(gw.port(), kAccessRequests) - access_requests0 << ", statements "
                          << metric(gw.port(), kAccessStatements) - access_statements0);
  CHECK(requests >= kClients);
  CHECK(statements <= 2 * kThreads);
  CHECK(metric(gw.port(), kAccessStatements) - access_statements0 <=
        metric(gw.port(), kAccessRequests) - access_requests0);
}

TEST_CASE("handshakes over --admission-queue waiting are refused with 503; those waiting are admitted", "[storm]") {
  const auto url = storm_db();
  Db db(url);
  const std::string a = make_profile(db), b = make_profile(db), c = make_profile(db);
  GatewayProcess gw(url, {{"TECHPULSE_ADMISSION_CONCURRENCY", "1"}, {"TECHPULSE_ADMISSION_QUEUE", "1"},
                          {"TECHPULSE_DB_TIMEOUT_MS", "60000"}});
  const double profile_statements0 = metric(gw.port(), kProfileStatements);
  const double refused0 = metric(gw.port(), "techpulse_admissions_refused_total");

  // The profile reads wait for the lock: the first is in flight, the second waits for its turn at the gate.
  Db locker(url);
  locker.exec("BEGIN");
  locker.exec("LOCK TABLE profiles IN ACCESS EXCLUSIVE MODE");
  std::unique_ptr<WsClient> first, second;
  std::thread t1([&] { first = WsClient::connect(gw.port(), gw.token(a)); });
  REQUIRE(metric_reaches(gw.port(), kProfileStatements, profile_statements0 + 1));
  std::thread t2([&] { second = WsClient::connect(gw.port(), gw.token(b)); });
  bool queued = metric_reaches(gw.port(), "techpulse_admission_queue", 1);
  int status = 0;
  std::string body;
  auto third = queued ? WsClient::connect(gw.port(), gw.token(c), &status, &body) : nullptr;
  locker.exec("COMMIT");
  t1.join();
  t2.join();
  REQUIRE(queued);
  CHECK_FALSE(third);
  CHECK(status == 503);
  CHECK(json_str(body, "/error") == "unavailable");
  CHECK(json_str(body, "/message").find("waiting to be admitted") != std::string::npos);
  CHECK(metric(gw.port(), "techpulse_admissions_refused_total") == refused0 + 1);
  // The two that waited are admitted, each as its own user.
  REQUIRE(first);
  REQUIRE(second);
  auto w1 = first->recv_type("welcome", 10s);
  auto w2 = second->recv_type("welcome", 10s);
  REQUIRE(w1);
  REQUIRE(w2);
  CHECK(json_str(*w1, "/user_id") == a);
  CHECK(json_str(*w2, "/user_id") == b);
  // And once the queue is empty, a newcomer is admitted again.
  auto later = WsClient::connect(gw.port(), gw.token(c));
  REQUIRE(later);
  CHECK(later->recv_type("welcome", 10s));
}
