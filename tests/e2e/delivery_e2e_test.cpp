// Delivery guarantees under faults (issue 4), end to end: the real binary, real sockets, a real PostgreSQL.
// Replay with `since`, idempotent retries across kill -9, slow consumers, SIGTERM drain, limits, malformed input.
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "support/chat_helpers.hpp"
#include "support/gateway_process.hpp"
#include "support/log_lines.hpp"
#include "support/pg_support.hpp"
#include "support/ws_client.hpp"

using namespace techpulse::test;
using Clock = std::chrono::steady_clock;

namespace {

std::string delivery_db() { return migrated_database("tp_test_delivery"); }

int64_t cursor_of(const std::string& frame) { return std::stoll(json_str(frame, "/cursor")); }

// Peak resident set of a process, in KiB (VmHWM), or -1.
long peak_rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// Sends with a window of outstanding acks; returns the number acked (every send must be acked).
int publish(WsClient& pub, const std::string& thread, int count, const std::string& prefix, size_t pad, int window) {
  std::string padding(pad, 'p');
  int sent = 0, acked = 0;
  auto deadline = Clock::now() + std::chrono::seconds(120);
  while (acked < count && Clock::now() < deadline) {
    while (sent < count && sent - acked < window) {
      pub.send(send_frame(thread, prefix + std::to_string(sent) + "-" + padding, "p" + std::to_string(sent)));
      ++sent;
    }
    auto f = pub.recv(5s);
    if (!f) break;
    auto type = json_str(*f, "/type");
    if (type == "ack") ++acked;
    if (type == "error") FAIL("publisher got an error: " << *f);
  }
  return acked;
}

}  // namespace

TEST_CASE("since replays 500 missed messages, from the gateway and from SQL, once each, in order, before live ones",
          "[delivery]") {
  Db db(delivery_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess gw(delivery_db(), {{"TECHPULSE_RATE_LIMIT", "0"}});
  auto writer = connect_as(gw, user);

  auto reader = connect_as(gw, user);
  subscribe(*reader, thread);
  for (int i = 0; i < 5; ++i) {
    writer->send(send_frame(thread, "early" + std::to_string(i), "e" + std::to_string(i)));
    REQUIRE(writer->recv_type("ack", 5s, "e" + std::to_string(i)));
  }
  int64_t last = 0;
  for (int i = 0; i < 5; ++i) {
    auto m = reader->recv_type("message");
    REQUIRE(m);
    last = cursor_of(*m);
  }
  REQUIRE(last == 5);
  reader->close();

  // 500 commits while the reader is away: every other one through the gateway, the rest by plain SQL.
  std::set<std::string> missed;
  int gateway_sends = 0;
  for (int i = 0; i < 500; ++i) {
    std::string content = "missed" + std::to_string(i);
    missed.insert(content);
    if (i % 2 == 0) {
      writer->send(send_frame(thread, content, "m" + std::to_string(i)));
      ++gateway_sends;
    } else {
      db.exec("INSERT INTO chat_messages (thread_id, content) VALUES ($1, $2)", {thread, content});
    }
  }
  int acks = 0;
  while (acks < gateway_sends) {
    auto f = writer->recv_type("ack", 10s);
    REQUIRE(f);
    ++acks;
  }

  auto back = connect_as(gw, user);
  back->send(subscribe_frame(thread, "again", std::to_string(last)));
  std::set<std::string> replayed;
  int64_t expect = last + 1;
  std::optional<std::string> subscribed;
  auto deadline = Clock::now() + 30s;
  while (!subscribed && Clock::now() < deadline) {
    auto f = back->recv(10s);
    REQUIRE(f);
    auto type = json_str(*f, "/type");
    if (type == "message") {
      CHECK(json_bool(*f, "/replay"));
      REQUIRE(cursor_of(*f) == expect);
      ++expect;
      CHECK(replayed.insert(json_str(*f, "/message/content")).second);
    } else if (type == "subscribed") {
      subscribed = f;
    }
  }
  REQUIRE(subscribed);
  CHECK(replayed == missed);
  CHECK(json_str(*subscribed, "/cursor") == std::to_string(last + 500));

  writer->send(send_frame(thread, "live after replay", "live"));
  auto live = back->recv_type("message");
  REQUIRE(live);
  CHECK(cursor_of(*live) == last + 501);
  CHECK_FALSE(json_bool(*live, "/replay"));
  CHECK(json_str(*live, "/message/content") == "live after replay");
}

TEST_CASE("messages committed during a replay are neither lost nor doubled", "[delivery]") {
  Db db(delivery_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  constexpr int kOld = 3000, kNew = 200;
  db.exec("INSERT INTO chat_messages (thread_id, content) SELECT $1, 'old-' || g || '-' || repeat('x', 1500) "
          "FROM generate_series(1, " + std::to_string(kOld) + ") g",
          {thread});
  // A small outbound queue: the replay goes at the pace the client reads, and what arrives meanwhile overflows the
  // set-up buffer, so the gateway must read it again from the table.
  GatewayProcess gw(delivery_db(), {{"TECHPULSE_MAX_QUEUE_FRAMES", "64"}, {"TECHPULSE_RATE_LIMIT", "0"}});
  auto c = WsClient::connect(gw.port(), gw.token(user), nullptr, nullptr, {}, 8192);
  REQUIRE(c);
  REQUIRE(c->recv_type("welcome"));

  std::mutex mu;
  std::vector<Clock::time_point> commits;
  auto subscribe_sent = Clock::now();
  c->send(subscribe_frame(thread, "r", "0"));
  std::thread inserter([&] {
    Db w(delivery_db());
    for (int k = 0; k < kNew; ++k) {
      w.exec("INSERT INTO chat_messages (thread_id, content) VALUES ($1, $2)", {thread, "new-" + std::to_string(k)});
      std::lock_guard lock(mu);
      commits.push_back(Clock::now());
    }
  });

  std::vector<int64_t> cursors;
  std::optional<Clock::time_point> subscribed_at;
  bool replay_after_subscribed = false, live_before_subscribed = false;
  auto deadline = Clock::now() + 60s;
  while ((cursors.size() < static_cast<size_t>(kOld + kNew) || !subscribed_at) && Clock::now() < deadline) {
    auto f = c->recv(10s);
    if (!f) break;
    auto type = json_str(*f, "/type");
    if (type == "subscribed") {
      subscribed_at = Clock::now();
    } else if (type == "error") {
      FAIL("unexpected error: " << *f);
    } else if (type == "message") {
      cursors.push_back(cursor_of(*f));
      bool replay = json_bool(*f, "/replay");
      if (subscribed_at && replay) replay_after_subscribed = true;
      if (!subscribed_at && !replay) live_before_subscribed = true;
      if (cursors.size() % 100 == 0) std::this_thread::sleep_for(10ms);  // a reader slower than the database
    }
  }
  inserter.join();
  INFO("received " << cursors.size() << " messages; connection closed: " << c->closed() << " code "
                   << c->close_code() << " " << c->close_reason());
  REQUIRE(subscribed_at);
  REQUIRE(cursors.size() == static_cast<size_t>(kOld + kNew));
  for (size_t i = 0; i < cursors.size(); ++i) {
    INFO("position " << i);
    REQUIRE(cursors[i] == static_cast<int64_t>(i + 1));
  }
  CHECK_FALSE(replay_after_subscribed);
  CHECK_FALSE(live_before_subscribed);
  // The test only means something if commits really happened while the replay ran.
  size_t during = 0;
  for (auto t : commits) {
    if (t > subscribe_sent && t < *subscribed_at) ++during;
  }
  INFO("commits during the replay: " << during);
  CHECK(during > 0);
}

namespace {

struct ChaosClient {
  int index = 0;
  std::string user, thread;
  int sends = 0;            // how many it must get acked
  int64_t expected = 0;     // messages its thread will hold in the end
  std::vector<int64_t> cursors;
  std::vector<std::string> ids;  // message ids in the order received
  std::set<std::string> acked;
  std::string failure;
  int reconnects = 0;
  std::string trace;  // what each connection saw, for the failure message
};

// A client holds its last send back until both kills happened (`kills`), so every client lives through both: with
// kill points on the total of acks alone, the clients of one thread could finish before the second kill.
void run_chaos_client(ChaosClient& cc, unsigned short port, std::atomic<int>& total_acks, const std::atomic<int>& kills,
                      Clock::time_point deadline) {
  auto token = make_token(cc.user);
  std::set<std::string> unacked;  // sent on some connection, no ack yet
  int next = 0;
  int64_t last = 0;
  auto content_of = [&](const std::string& id) { return "chaos " + id; };
  while (Clock::now() < deadline) {
    auto c = WsClient::connect(port, token);
    if (!c || !c->recv_type("welcome", 3s)) {
      std::this_thread::sleep_for(100ms);
      continue;
    }
    ++cc.reconnects;
    cc.trace += " | conn " + std::to_string(cc.reconnects) + " since=" + std::to_string(last);
    c->send(subscribe_frame(cc.thread, "sub", std::to_string(last)));
    bool live = false;
    // Retry every unacked send on the new connection: the same client_msg_id stores nothing twice.
    for (const auto& id : unacked) c->send(send_frame(cc.thread, content_of(id), "s:" + id, id));
    while (Clock::now() < deadline) {
      if (live && next < cc.sends && unacked.size() < 3 && (next < cc.sends - 1 || kills >= 2)) {
        std::string id = "c" + std::to_string(cc.index) + "-" + std::to_string(next++);
        unacked.insert(id);
        c->send(send_frame(cc.thread, content_of(id), "s:" + id, id));
      }
      auto f = c->recv(20ms);
      if (!f) {
        if (c->closed()) break;
        if (next == cc.sends && unacked.empty() && cc.ids.size() >= static_cast<size_t>(cc.expected)) return;
        continue;
      }
      auto type = json_str(*f, "/type");
      if (type == "message") {
        // Cursors only increase; they may skip numbers (a send that lost an insert race with another writer
        // consumes one), so completeness is checked against the table at the end.
        int64_t cur = cursor_of(*f);
        if (cur <= last && cc.failure.empty()) {
          cc.failure = "after cursor " + std::to_string(last) + " got " + std::to_string(cur) +
                       (json_bool(*f, "/replay") ? " (replay)" : " (live)");
        }
        cc.cursors.push_back(cur);
        cc.ids.push_back(json_str(*f, "/message/id"));
        last = std::max(last, cur);
      } else if (type == "subscribed") {
        live = true;
        cc.trace += " subscribed=" + json_str(*f, "/cursor") + " last=" + std::to_string(last);
      } else if (type == "ack") {
        auto id = json_str(*f, "/ref").substr(2);
        if (unacked.erase(id)) {
          cc.acked.insert(id);
          ++total_acks;
        }
      } else if (type == "error") {
        // unavailable while the gateway goes down: the send stays unacked and is retried after the reconnect;
        // a failed subscribe is retried by reconnecting.
        cc.trace += " error:" + json_str(*f, "/code") + ":" + json_str(*f, "/ref");
        if (json_str(*f, "/ref") == "sub") break;
      }
    }
  }
  if (cc.failure.empty()) {
    cc.failure = "deadline passed: next=" + std::to_string(next) + " unacked=" + std::to_string(unacked.size()) +
                 " last=" + std::to_string(last);
  }
}

}  // namespace

TEST_CASE("chaos: kill -9 twice under 20 sending clients; every message seen once in order, one row per client_msg_id",
          "[delivery]") {
  Db db(delivery_db());
  constexpr int kThreads = 4, kClientsPerThread = 5, kSends = 40;
  std::vector<std::pair<std::string, std::string>> owners;
  for (int t = 0; t < kThreads; ++t) {
    auto u = make_profile(db);
    owners.emplace_back(u, make_thread(db, u));
  }
  GatewayProcess gw(delivery_db());
  std::vector<ChaosClient> clients(kThreads * kClientsPerThread);
  for (size_t i = 0; i < clients.size(); ++i) {
    auto& cc = clients[i];
    cc.index = static_cast<int>(i);
    cc.user = owners[i % kThreads].first;
    cc.thread = owners[i % kThreads].second;
    cc.sends = kSends;
    cc.expected = kClientsPerThread * kSends;
  }
  std::atomic<int> total_acks{0};
  std::atomic<int> kills{0};
  auto deadline = Clock::now() + 120s;
  std::vector<std::thread> workers;
  for (auto& cc : clients) {
    workers.emplace_back([&, port = gw.port()] { run_chaos_client(cc, port, total_acks, kills, deadline); });
  }

  // Both targets are reachable while every client holds its last send back (20 x 39 acks > 2/3 of 800).
  const int total = kThreads * kClientsPerThread * kSends;
  for (int target : {total / 3, 2 * total / 3}) {
    while (total_acks < target && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
    gw.kill9();
    std::this_thread::sleep_for(300ms);
    gw.restart();
    ++kills;
  }
  for (auto& w : workers) w.join();
  CHECK(kills.load() == 2);

  for (auto& cc : clients) {
    INFO("client " << cc.index << " (" << cc.reconnects << " connections): " << cc.failure << cc.trace);
    CHECK(cc.failure.empty());
    CHECK(cc.acked.size() == static_cast<size_t>(kSends));
    // Exactly the thread's rows, each once, in cursor order.
    std::vector<std::string> stored;
    for (auto& row : db.exec("SELECT id::text FROM chat_messages WHERE thread_id = $1 ORDER BY seq", {cc.thread})) {
      stored.push_back(*row[0]);
    }
    CHECK(cc.ids == stored);
    // It was still sending at both kills (its last send waited for them). It lost a live connection at least once;
    // it need not have had a live one between the kills: a reconnect still in its handshake when the second kill
    // came counts no connection (seen under load: 2 connections, the second since=134 subscribed=185).
    CHECK(cc.reconnects >= 2);
  }
  for (auto& [user, thread] : owners) {
    CHECK(db.scalar("SELECT count(*) FROM chat_messages WHERE thread_id = $1", {thread}) ==
          std::to_string(kClientsPerThread * kSends));
    CHECK(db.scalar("SELECT count(DISTINCT client_msg_id) FROM chat_messages WHERE thread_id = $1", {thread}) ==
          std::to_string(kClientsPerThread * kSends));
  }
}

TEST_CASE("a client that never reads is closed as a slow consumer; memory stays bounded; others get all 10,000",
          "[delivery][memory]") {
  if (gateway_sanitized()) return;  // RSS is meaningless under ASan: this case runs in the normal pass (run.sh)
  Db db(delivery_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess gw(delivery_db(), {{"TECHPULSE_MAX_QUEUE_BYTES", "1048576"}, {"TECHPULSE_RATE_LIMIT", "0"},
                                    {"TECHPULSE_SLOW_CONSUMER_MS", "1000"}});

  auto slow = WsClient::connect(gw.port(), gw.token(user), nullptr, nullptr, {}, 4096);
  REQUIRE(slow);
  auto welcome = slow->recv_type("welcome");
  REQUIRE(welcome);
  auto slow_session = json_str(*welcome, "/session_id");
  subscribe(*slow, thread, "slow");
  // From here on `slow` reads nothing until the end.

  constexpr int kCount = 10000;
  auto good = connect_as(gw, user);
  subscribe(*good, thread, "good");
  std::vector<int64_t> got;
  std::thread reader([&] {
    auto deadline = Clock::now() + 120s;
    while (got.size() < static_cast<size_t>(kCount) && Clock::now() < deadline) {
      auto f = good->recv(10s);
      if (!f) break;
      if (json_str(*f, "/type") == "message") got.push_back(cursor_of(*f));
    }
  });
  auto pub = connect_as(gw, user);
  int acked = publish(*pub, thread, kCount, "bulk", 1000, 200);
  reader.join();
  CHECK(acked == kCount);
  REQUIRE(got.size() == static_cast<size_t>(kCount));
  for (size_t i = 0; i < got.size(); ++i) REQUIRE(got[i] == static_cast<int64_t>(i + 1));

  long rss = peak_rss_kib(gw.pid());
  INFO("gateway peak RSS: " << rss << " KiB");
  CHECK(rss > 0);
  CHECK(rss < 64 * 1024);  // the bound docs/operations.md states for this test

  int slow_got = 0;
  auto deadline = Clock::now() + 30s;
  while (!slow->closed() && Clock::now() < deadline) {
    auto f = slow->recv(5s);
    if (f && json_str(*f, "/type") == "message") ++slow_got;
  }
  CHECK(slow->closed());
  CHECK(slow_got < kCount);
  if (slow->close_code() != 0) CHECK(slow->close_code() == 1008);
  // The server logs the slow consumer before it closes it (the queue is judged after --slow-consumer-ms without a
  // completed write, so the close may come after the others got everything).
  CHECK_FALSE(log_events(read_file(gw.log_path()), "slow_consumer", {{"session", slow_session}}).empty());
}

TEST_CASE("SIGTERM with sends in flight: exit 0, every acked send stored, nothing unacked stored", "[delivery]") {
  Db db(delivery_db());
  constexpr int kClients = 5;
  std::vector<std::pair<std::string, std::string>> owners;
  for (int i = 0; i < kClients; ++i) {
    auto u = make_profile(db);
    owners.emplace_back(u, make_thread(db, u));
  }
  GatewayProcess gw(delivery_db(), {{"TECHPULSE_RATE_LIMIT", "0"}});
  struct Result {
    std::map<std::string, std::string> acked;  // client_msg_id -> message_id
    std::set<std::string> refused;             // answered with an error
    int sent = 0;
    int close_code = 0;
  };
  std::vector<Result> results(kClients);
  std::atomic<int> total_acks{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < kClients; ++i) {
    workers.emplace_back([&, i, port = gw.port()] {
      auto c = WsClient::connect(port, make_token(owners[i].first));
      if (!c || !c->recv_type("welcome")) return;
      auto& r = results[i];
      auto deadline = Clock::now() + 30s;
      while (!c->closed() && Clock::now() < deadline) {
        if (r.sent < 5000) {
          std::string id = "t" + std::to_string(i) + "-" + std::to_string(r.sent++);
          c->send(send_frame(owners[i].second, "sigterm " + id, id, id));
        }
        while (auto f = c->recv(r.sent < 5000 ? 1ms : 200ms)) {
          auto type = json_str(*f, "/type");
          auto ref = json_str(*f, "/ref");
          if (type == "ack") {
            r.acked[ref] = json_str(*f, "/message_id");
            ++total_acks;
          } else if (type == "error") {
            r.refused.insert(ref);
          }
        }
      }
      r.close_code = c->close_code();
    });
  }
  auto deadline = Clock::now() + 30s;
  while (total_acks < 300 && Clock::now() < deadline) std::this_thread::sleep_for(2ms);
  REQUIRE(total_acks >= 300);
  int status = gw.terminate();
  for (auto& w : workers) w.join();
  CHECK(status == 0);
  CHECK_FALSE(log_events(read_file(gw.log_path()), "drained").empty());

  for (int i = 0; i < kClients; ++i) {
    auto& r = results[i];
    INFO("client " << i << ": sent " << r.sent << ", acked " << r.acked.size() << ", refused " << r.refused.size());
    CHECK(r.close_code == 1001);
    auto rows = db.exec("SELECT client_msg_id, id::text, content FROM chat_messages WHERE thread_id = $1",
                        {owners[i].second});
    std::map<std::string, std::string> stored;
    for (auto& row : rows) {
      REQUIRE(row[0]);
      CHECK(*row[2] == "sigterm " + *row[0]);  // whole, never half-written
      stored[*row[0]] = *row[1];
    }
    CHECK(stored == r.acked);  // committed <=> acked
    for (auto& id : r.refused) CHECK(stored.count(id) == 0);
  }
}

TEST_CASE("the rate limit answers rate_limited and stores nothing for the refused frames", "[delivery]") {
  Db db(delivery_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess gw(delivery_db(), {{"TECHPULSE_RATE_LIMIT", "5"}, {"TECHPULSE_RATE_BURST", "10"}});
  auto c = connect_as(gw, user);
  constexpr int kSends = 40;
  for (int i = 0; i < kSends; ++i) c->send(send_frame(thread, "rl" + std::to_string(i), "r" + std::to_string(i), "rl" + std::to_string(i)));
  std::set<std::string> acked, limited;
  while (acked.size() + limited.size() < static_cast<size_t>(kSends)) {
    auto f = c->recv(10s);
    REQUIRE(f);
    auto type = json_str(*f, "/type");
    if (type == "ack") acked.insert(json_str(*f, "/ref"));
    if (type == "error") {
      CHECK(json_str(*f, "/code") == "rate_limited");
      CHECK_FALSE(json_str(*f, "/message").empty());
      limited.insert(json_str(*f, "/ref"));
    }
  }
  CHECK(acked.size() >= 10);  // the burst
  CHECK(limited.size() > 0);
  CHECK(db.scalar("SELECT count(*) FROM chat_messages WHERE thread_id = $1", {thread}) == std::to_string(acked.size()));
  for (auto& ref : limited) {
    CHECK(db.scalar("SELECT count(*) FROM chat_messages WHERE thread_id = $1 AND content = $2",
                    {thread, "rl" + ref.substr(1)}) == "0");
  }
  // The bucket refills: after a pause the session is served again.
  std::this_thread::sleep_for(1s);
  c->send(R"({"type":"ping","ref":"after"})");
  CHECK(c->recv_type("pong", 5s, "after"));
}

TEST_CASE("connection caps answer HTTP 503; the subscription cap answers too_large", "[delivery]") {
  Db db(delivery_db());
  auto user = make_profile(db);
  SECTION("per address") {
    GatewayProcess gw(delivery_db(), {{"TECHPULSE_MAX_CONNECTIONS_PER_IP", "3"}});
    std::vector<std::unique_ptr<WsClient>> held;
    for (int i = 0; i < 3; ++i) held.push_back(connect_as(gw, user));
    int status = 0;
    std::string body;
    CHECK_FALSE(WsClient::connect(gw.port(), gw.token(user), &status, &body));
    CHECK(status == 503);
    CHECK(json_str(body, "/error") == "unavailable");
    CHECK(json_str(body, "/message") == "too many connections from this address");
    // A freed slot can be taken again.
    held.pop_back();
    std::unique_ptr<WsClient> again;
    auto deadline = Clock::now() + 5s;
    while (!again && Clock::now() < deadline) {
      again = WsClient::connect(gw.port(), gw.token(user));
      if (!again) std::this_thread::sleep_for(20ms);
    }
    CHECK(again);
  }
  SECTION("global") {
    GatewayProcess gw(delivery_db(), {{"TECHPULSE_MAX_CONNECTIONS", "2"}});
    auto a = connect_as(gw, user);
    auto b = connect_as(gw, user);
    int status = 0;
    std::string body;
    CHECK_FALSE(WsClient::connect(gw.port(), gw.token(user), &status, &body));
    CHECK(status == 503);
    CHECK(json_str(body, "/message") == "the server is at its connection limit; retry later");
    CHECK(http_get(gw.port(), "/healthz") == 503);
  }
  SECTION("subscriptions per session") {
    GatewayProcess gw(delivery_db(), {{"TECHPULSE_MAX_SUBSCRIPTIONS", "2"}});
    auto c = connect_as(gw, user);
    subscribe(*c, make_thread(db, user), "a");
    subscribe(*c, make_thread(db, user), "b");
    c->send(subscribe_frame(make_thread(db, user), "c"));
    auto r = c->recv_type("error", 5s, "c");
    REQUIRE(r);
    CHECK(json_str(*r, "/code") == "too_large");
  }
}

namespace {

// A raw TCP connection for what no WebSocket client would send.
struct RawConn {
  int fd = -1;
  explicit RawConn(unsigned short port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ~RawConn() {
    if (fd >= 0) ::close(fd);
  }
  void write(const std::string& s) { (void)!::send(fd, s.data(), s.size(), MSG_NOSIGNAL); }
  // Waits (bounded) for the peer to close; true if it did.
  bool closed_by_peer(std::chrono::milliseconds within) {
    timeval tv{static_cast<long>(within.count() / 1000), static_cast<long>((within.count() % 1000) * 1000)};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    auto deadline = Clock::now() + within;
    while (Clock::now() < deadline) {
      auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    }
    return false;
  }
  // Everything the peer sends until it closes (bounded by `within`).
  std::string read_until_closed(std::chrono::milliseconds within) {
    timeval tv{0, 100 * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string in;
    char buf[4096];
    auto deadline = Clock::now() + within;
    while (Clock::now() < deadline) {
      auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) break;
      if (n > 0) in.append(buf, static_cast<size_t>(n));
    }
    return in;
  }
};

}  // namespace

TEST_CASE("malformed input gets its documented response and the process keeps serving others", "[delivery]") {
  Db db(delivery_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess gw(delivery_db(), {{"TECHPULSE_HANDSHAKE_TIMEOUT_MS", "1000"}});
  auto bystander = connect_as(gw, user);
  subscribe(*bystander, thread);
  auto still_served = [&](const std::string& tag) {
    bystander->send(R"({"type":"ping","ref":")" + tag + "\"}");
    REQUIRE(bystander->recv_type("pong", 5s, tag));
  };

  SECTION("a binary frame: close 1003") {
    auto c = connect_as(gw, user);
    c->send_binary(std::string("\x00\x01\x02", 3));
    CHECK_FALSE(c->recv(5s));
    CHECK(c->close_code() == 1003);
    still_served("bin");
  }
  SECTION("invalid UTF-8 in a text frame: close 1007") {
    auto c = connect_as(gw, user);
    c->send("{\"type\":\"ping\",\"ref\":\"\xff\xfe\xfd\"}");
    CHECK_FALSE(c->recv(5s));
    CHECK(c->closed());
    CHECK(c->close_code() == 1007);
    still_served("utf8");
  }
  SECTION("deeply nested JSON: bad_request, and the session goes on") {
    auto c = connect_as(gw, user);
    c->send(R"({"type":"ping","ref":"deep","x":)" + std::string(5000, '[') + std::string(5000, ']') + "}");
    auto e = c->recv_type("error", 5s);
    REQUIRE(e);
    CHECK(json_str(*e, "/code") == "bad_request");
    c->send(R"({"type":"ping","ref":"p"})");
    CHECK(c->recv_type("pong", 5s, "p"));
  }
  SECTION("a 10 MB frame: close 1009") {
    auto c = WsClient::connect(gw.port(), gw.token(user));
    REQUIRE(c);
    auto welcome = c->recv_type("welcome");
    REQUIRE(welcome);
    c->send(std::string(10 * 1024 * 1024, 'x'));
    CHECK_FALSE(c->recv(5s));
    CHECK(c->closed());
    // The gateway sends close 1009 as soon as the frame header announces the size, then drops the connection; the
    // rest of the 10 MB still in flight makes the kernel reset it, which can discard the close frame before this
    // client reads it. So: 1009 if it arrived, and the gateway's log names the limit either way.
    if (c->close_code() != 0) CHECK(c->close_code() == 1009);
    CHECK_FALSE(log_events(read_file(gw.log_path()), "session_close",
                           {{"session", json_str(*welcome, "/session_id")},
                            {"reason", "The WebSocket message exceeded the locally configured limit"}})
                    .empty());
    still_served("big");
  }
  SECTION("an upgrade whose Sec-WebSocket-Key is not the base64 of 16 bytes: HTTP 400, no upgrade") {
    for (std::string key : {"abc", "dGhlIHNhbXBsZSBub25jZSE=", "dGhlIHNhbXBsZSBub25jZR=="}) {
      INFO("key " << key);
      RawConn raw(gw.port());
      REQUIRE(raw.fd >= 0);
      raw.write("GET /v1/ws?access_token=" + gw.token(user) +
                " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
                "\r\nSec-WebSocket-Version: 13\r\n\r\n");
      auto reply = raw.read_until_closed(5s);
      CHECK(reply.rfind("HTTP/1.1 400", 0) == 0);
      CHECK(reply.find(R"({"error":"bad_request","message":"Sec-WebSocket-Key must be the base64 of 16 bytes"})") !=
            std::string::npos);
    }
    still_served("key");
  }
  SECTION("a frame of exactly --max-frame-bytes is read; one byte more closes with 1009") {
    auto c = WsClient::connect(gw.port(), gw.token(user));
    REQUIRE(c);
    auto welcome = c->recv_type("welcome");
    REQUIRE(welcome);
    const std::string ping = R"({"type":"ping","ref":"edge"})";
    c->send(ping + std::string(65536 - ping.size(), ' '));  // trailing whitespace is valid JSON
    CHECK(c->recv_type("pong", 5s, "edge"));
    c->send(ping + std::string(65537 - ping.size(), ' '));
    CHECK_FALSE(c->recv(5s));
    CHECK(c->closed());
    // As for the 10 MB frame below: 1009 when the close frame outran the reset, and the log names the limit.
    if (c->close_code() != 0) CHECK(c->close_code() == 1009);
    CHECK(wait_log_event(gw.log_path(), "session_close",
                         {{"session", json_str(*welcome, "/session_id")},
                          {"reason", "The WebSocket message exceeded the locally configured limit"}}));
    still_served("edge");
  }
  SECTION("a truncated handshake is dropped at the handshake deadline") {
    RawConn raw(gw.port());
    REQUIRE(raw.fd >= 0);
    raw.write("GET /v1/ws?access_token=" + gw.token(user) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: webso");
    still_served("half");  // served while the half request waits
    CHECK(raw.closed_by_peer(10s));
  }
  SECTION("an unknown topic prefix: bad_request") {
    auto c = connect_as(gw, user);
    c->send(R"({"type":"subscribe","ref":"u","topic":"room:lobby"})");
    auto e = c->recv_type("error", 5s, "u");
    REQUIRE(e);
    CHECK(json_str(*e, "/code") == "bad_request");
    c->send(R"({"type":"subscribe","ref":"v","topic":"thread:)" + thread + R"(","since":"not-a-cursor"})");
    auto e2 = c->recv_type("error", 5s, "v");
    REQUIRE(e2);
    CHECK(json_str(*e2, "/code") == "bad_request");
  }
  // Whatever the section did, messages still flow to the bystander.
  auto w = connect_as(gw, user);
  w->send(send_frame(thread, "after malformed", "am"));
  REQUIRE(w->recv_type("ack", 5s, "am"));
  auto m = bystander->recv_type("message");
  REQUIRE(m);
  CHECK(json_str(*m, "/message/content") == "after malformed");
}

TEST_CASE("an event over NOTIFY's 8000 bytes: the SQL UPDATE succeeds and ticket.updated arrives whole", "[delivery]") {
  Db db(delivery_db());
  auto tech = make_profile(db, "technician");
  auto ticket = random_uuid();
  db.exec("INSERT INTO support_tickets (id, ticket_number, customer_name, issue_summary, assigned_technician) "
          "VALUES ($1, $2, 'Big Ticket', 'Long notes', $3)",
          {ticket, "TP-" + ticket, tech});
  GatewayProcess gw(delivery_db());
  auto t = WsClient::connect(gw.port(), gw.token(tech, "technician"));
  REQUIRE(t);
  REQUIRE(t->recv_type("welcome"));
  t->send(R"({"type":"subscribe","ref":"st","topic":"ticket:)" + ticket + "\"}");
  auto sub = t->recv_until([](const std::string& f) { return json_str(f, "/ref") == "st"; });
  REQUIRE(sub);
  REQUIRE(json_str(*sub, "/type") == "subscribed");

  // Long text fields are cut to 1000 characters in events, but not every field is (vehicle_info, customer_name).
  std::string info;
  for (int i = 0; info.size() < 12000; ++i) info += "part " + std::to_string(i) + " of the vehicle notes; ";
  // Before 005_event_refs.sql this UPDATE failed with "payload string too long".
  REQUIRE_NOTHROW(db.exec("UPDATE support_tickets SET vehicle_info = $2 WHERE id = $1", {ticket, info}));
  auto ev = t->recv_type("ticket.updated", 10s);
  REQUIRE(ev);
  CHECK(json_str(*ev, "/ticket/id") == ticket);
  CHECK(json_str(*ev, "/ticket/vehicle_info") == info);
  // A small one still travels inside the notification.
  db.exec("UPDATE support_tickets SET vehicle_info = 'short', status = 'in_progress' WHERE id = $1", {ticket});
  auto ev2 = t->recv_type("ticket.updated", 10s);
  REQUIRE(ev2);
  CHECK(json_str(*ev2, "/ticket/vehicle_info") == "short");
}

TEST_CASE("heartbeats: the gateway pings every heartbeat_ms and closes a client silent for two intervals",
          "[delivery]") {
  Db db(delivery_db());
  auto user = make_profile(db);
  GatewayProcess gw(delivery_db(), {{"TECHPULSE_HEARTBEAT_MS", "1000"}});
  RawConn raw(gw.port());
  REQUIRE(raw.fd >= 0);
  raw.write("GET /v1/ws?access_token=" + gw.token(user) +
            " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  // Read everything the server sends without ever answering: the 101, welcome, then pings, then the end.
  timeval tv{0, 200 * 1000};
  setsockopt(raw.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string in;
  bool ended = false;
  auto start = Clock::now();
  while (!ended && Clock::now() < start + 15s) {
    char buf[4096];
    auto n = ::recv(raw.fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) ended = true;
    if (n > 0) in.append(buf, static_cast<size_t>(n));
  }
  REQUIRE(in.rfind("HTTP/1.1 101", 0) == 0);
  auto body = in.substr(in.find("\r\n\r\n") + 4);
  // Walk the server's frames (unmasked, payloads < 126 bytes except the welcome).
  int pings = 0;
  size_t i = 0;
  while (i + 2 <= body.size()) {
    auto op = static_cast<unsigned char>(body[i]) & 0x0f;
    size_t len = static_cast<unsigned char>(body[i + 1]) & 0x7f, hdr = 2;
    if (len == 126) {
      if (i + 4 > body.size()) break;
      len = (static_cast<unsigned char>(body[i + 2]) << 8) | static_cast<unsigned char>(body[i + 3]);
      hdr = 4;
    }
    if (op == 0x9) ++pings;
    i += hdr + len;
  }
  CHECK(pings >= 1);
  CHECK(ended);  // closed by the gateway, well within the 15 s bound (2 × heartbeat_ms is 2 s)
}

TEST_CASE("a burst of 10,000 rows in one SQL transaction reaches a subscriber that reads", "[delivery]") {
  Db db(delivery_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess gw(delivery_db());
  auto c = connect_as(gw, user);
  subscribe(*c, thread);
  // The transaction commits on another connection while this client reads: a client that read nothing until the
  // INSERT returned was silent (no pong) for as long as it took, which on a loaded machine passed 2 x heartbeat_ms,
  // and the gateway rightly closed it.
  std::string insert_error;
  std::thread writer([&] {
    try {
      Db w(delivery_db());
      w.exec("INSERT INTO chat_messages (thread_id, content) SELECT $1, 'burst ' || g FROM generate_series(1, 10000) g",
             {thread});
    } catch (const std::exception& e) {
      insert_error = e.what();
    }
  });
  int64_t expect = 1;
  auto deadline = Clock::now() + 120s;
  while (expect <= 10000 && Clock::now() < deadline && !c->closed()) {
    auto f = c->recv(1s);
    if (!f) continue;
    if (json_str(*f, "/type") == "message") {
      REQUIRE(cursor_of(*f) == expect);
      ++expect;
    }
  }
  writer.join();
  CHECK(insert_error.empty());
  INFO("closed: " << c->closed() << " code " << c->close_code() << " " << c->close_reason());
  CHECK(expect == 10001);
}
