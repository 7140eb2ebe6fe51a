// The slow-consumer rule (docs/protocol.md): the outbound bound protects memory from a client that does not read,
// and never closes one that reads at full speed, however large the history or the burst. Real gateway, real
// sockets, a real PostgreSQL.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <thread>

#include "support/chat_helpers.hpp"
#include "support/gateway_process.hpp"
#include "support/pg_support.hpp"
#include "support/ws_client.hpp"

using namespace techpulse::test;
using Clock = std::chrono::steady_clock;

namespace {

std::string backpressure_db() { return migrated_database("tp_test_backpressure"); }

int64_t cursor_of(const std::string& frame) { return std::stoll(json_str(frame, "/cursor")); }

long rss_kib(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  }
  return -1;
}

// Content whose JSON is twice its length: every character is escaped ("\"" and "\n").
std::string escaped_content_sql(int pairs) { return "repeat(E'\"\\n', " + std::to_string(pairs) + ")"; }

}  // namespace

TEST_CASE("a fast reader pages through a 20 MB history of large messages and is never closed", "[backpressure]") {
  Db db(backpressure_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  db.exec("UPDATE conversation_threads SET assistant_enabled = false WHERE id = $1", {thread});
  // 200 messages of 50,000 characters, 100 KB each once JSON-escaped: 20 MB, 5 times the 4 MiB queue bound.
  constexpr int kCount = 200;
  db.exec("INSERT INTO chat_messages (thread_id, sender_id, content) SELECT $1, $2, " + escaped_content_sql(25000) +
              " || g FROM generate_series(1, " + std::to_string(kCount) + ") g",
          {thread, user});
  GatewayProcess gw(backpressure_db(), {{"TECHPULSE_RATE_LIMIT", "0"}});
  auto c = connect_as(gw, user);

  std::set<int64_t> seen;
  size_t bytes = 0;
  std::string before;
  int pages = 0;
  for (; pages < 2 * kCount; ++pages) {
    std::string ref = "h" + std::to_string(pages);
    c->send(R"({"type":"history","ref":")" + ref + R"(","thread_id":")" + thread + R"(","limit":200)" +
            (before.empty() ? std::string() : R"(,"before":")" + before + "\"") + "}");
    auto page = c->recv_type("history", 30s, ref);
    INFO("page " << pages << " closed=" << c->closed() << " code=" << c->close_code());
    REQUIRE(page);
    bytes += page->size();
    auto has_more = json_bool(*page, "/has_more");
    // The page never passes the budget by more than one message.
    CHECK(page->size() < 1024 * 1024 + 120 * 1024);
    int n = 0;
    for (int i = 0; json_has(*page, "/messages/" + std::to_string(i)); ++i) {
      ++n;
      auto content = json_str(*page, "/messages/" + std::to_string(i) + "/content");
      seen.insert(std::stoll(content.substr(50000)));
    }
    CHECK(n >= 1);
    if (!has_more) break;
    before = json_str(*page, "/next_before");
    REQUIRE_FALSE(before.empty());
  }
  CHECK_FALSE(c->closed());
  CHECK(seen.size() == static_cast<size_t>(kCount));
  CHECK(*seen.begin() == 1);
  CHECK(*seen.rbegin() == kCount);
  CHECK(bytes > 20'000'000);
  CHECK(pages > 10);  // paged by bytes, not only by count
  c->send(R"({"type":"ping","ref":"p"})");
  CHECK(c->recv_type("pong", 10s, "p"));
}

TEST_CASE("a 20 MB burst: a fast reader gets every message, clients that do not read are closed and memory is freed",
          "[backpressure][memory]") {
  if (gateway_sanitized()) return;  // RSS is meaningless under ASan: this case runs in the normal pass (run.sh)
  Db db(backpressure_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  db.exec("UPDATE conversation_threads SET assistant_enabled = false WHERE id = $1", {thread});
  GatewayProcess gw(backpressure_db(), {{"TECHPULSE_RATE_LIMIT", "0"}, {"TECHPULSE_SLOW_CONSUMER_MS", "1000"}});

  // Three clients that subscribe and then read nothing, with small receive buffers.
  constexpr int kSlow = 3;
  std::vector<std::unique_ptr<WsClient>> slow;
  std::vector<std::string> slow_sessions;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(WsClient::connect(gw.port(), gw.token(user), nullptr, nullptr, {}, 4096));
    REQUIRE(slow.back());
    auto welcome = slow.back()->recv_type("welcome");
    REQUIRE(welcome);
    slow_sessions.push_back(json_str(*welcome, "/session_id"));
    subscribe(*slow.back(), thread, "slow" + std::to_string(i));
  }
  auto fast = connect_as(gw, user);
  subscribe(*fast, thread, "fast");
  long rss_before = rss_kib(gw.pid(), "VmRSS");

  // 3,000 messages of ~7 KB of JSON (each fits a NOTIFY payload, so they arrive as fast as the listener reads),
  // committed in one transaction: 21 MB at once, five times the queue bound.
  constexpr int kCount = 3000;
  std::vector<int64_t> got;
  size_t got_bytes = 0;
  std::thread reader([&] {
    auto deadline = Clock::now() + 120s;
    while (got.size() < static_cast<size_t>(kCount) && Clock::now() < deadline) {
      auto f = fast->recv(20s);
      if (!f) break;
      if (json_str(*f, "/type") == "message") {
        got.push_back(cursor_of(*f));
        got_bytes += f->size();
      }
    }
  });
  db.exec("INSERT INTO chat_messages (thread_id, sender_id, content) SELECT $1, $2, " + escaped_content_sql(1700) +
              " || g FROM generate_series(1, " + std::to_string(kCount) + ") g",
          {thread, user});
  reader.join();
  INFO("fast reader closed=" << fast->closed() << " code=" << fast->close_code());
  REQUIRE(got.size() == static_cast<size_t>(kCount));
  for (size_t i = 0; i < got.size(); ++i) REQUIRE(got[i] == static_cast<int64_t>(i + 1));
  CHECK(got_bytes > 20'000'000);
  CHECK_FALSE(fast->closed());

  // Each non-reader is judged by the server without reading anything (reading would be progress): wait for the
  // gateway's slow_consumer line of each session, bounded.
  auto judged = [&](const std::string& session) {
    std::ifstream in(gw.log_path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.find("slow_consumer") != std::string::npos && line.find(session) != std::string::npos) return true;
    }
    return false;
  };
  for (const auto& session : slow_sessions) {
    auto deadline = Clock::now() + 30s;
    while (!judged(session) && Clock::now() < deadline) std::this_thread::sleep_for(50ms);
    CHECK(judged(session));
  }
  // Then each is closed (1008, or the connection dropped after the close grace period) without having received
  // everything: its queue was freed, not delivered.
  for (auto& s : slow) {
    int n = 0;
    auto deadline = Clock::now() + 30s;
    while (!s->closed() && Clock::now() < deadline) {
      auto f = s->recv(5s);
      if (f && json_str(*f, "/type") == "message") ++n;
    }
    CHECK(s->closed());
    CHECK(n < kCount);
    if (s->close_code() != 0) CHECK(s->close_code() == 1008);
  }
  // With the non-readers gone, what they held is released: the gateway holds far less than the three 21 MB
  // queues they would have grown to. The heap gives its free pages back shortly after a slow consumer's session
  // ends (heap_trim.hpp; glibc would keep them otherwise): waited for, bounded.
  long rss_after = rss_kib(gw.pid(), "VmRSS");
  for (auto deadline = Clock::now() + 10s; rss_after - rss_before >= 16 * 1024 && Clock::now() < deadline;) {
    std::this_thread::sleep_for(100ms);
    rss_after = rss_kib(gw.pid(), "VmRSS");
  }
  INFO("gateway RSS before the burst " << rss_before << " KiB, after " << rss_after << " KiB, peak "
                                       << rss_kib(gw.pid(), "VmHWM") << " KiB");
  CHECK(rss_after - rss_before < 16 * 1024);
  fast->send(R"({"type":"ping","ref":"p"})");
  CHECK(fast->recv_type("pong", 10s, "p"));
}
