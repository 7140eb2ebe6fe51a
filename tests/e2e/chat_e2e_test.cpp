// End to end: the real techpulse-gateway binary, real sockets, a real PostgreSQL.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "support/chat_helpers.hpp"
#include "support/gateway_process.hpp"
#include "support/log_lines.hpp"
#include "support/pg_support.hpp"
#include "support/ws_client.hpp"

using namespace techpulse::test;

namespace {

std::string e2e_db() { return migrated_database("tp_test_e2e"); }

// Counts `message` frames for a thread with the given content within the time window.
int count_messages(WsClient& c, const std::string& content, std::chrono::milliseconds window) {
  int n = 0;
  auto deadline = std::chrono::steady_clock::now() + window;
  while (std::chrono::steady_clock::now() < deadline) {
    auto f = c.recv(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    if (!f) break;
    if (json_str(*f, "/type") == "message" && json_str(*f, "/message/content") == content) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("two subscribers each receive a message one of them sent, exactly once", "[e2e]") {
  Db db(e2e_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess gw(e2e_db());
  auto a = connect_as(gw, user);
  auto b = connect_as(gw, user);
  subscribe(*a, thread, "sa");
  subscribe(*b, thread, "sb");

  a->send(send_frame(thread, "hello from a", "m1"));
  // The message may reach the sender before or after its ack: count both in one pass.
  std::optional<std::string> ack;
  int seen_by_a = 0;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto f = a->recv(ack ? 1500ms : 5000ms);
    if (!f) break;
    if (json_str(*f, "/type") == "ack" && json_str(*f, "/ref") == "m1") ack = f;
    if (json_str(*f, "/type") == "message" && json_str(*f, "/message/content") == "hello from a") ++seen_by_a;
  }
  REQUIRE(ack);
  CHECK(json_str(*ack, "/thread_id") == thread);
  CHECK(json_bool(*ack, "/duplicate") == false);
  CHECK(json_str(*ack, "/cursor") == "1");
  // The ack only comes after the commit: the row is there.
  CHECK(db.scalar("SELECT count(*) FROM chat_messages WHERE id = $1", {json_str(*ack, "/message_id")}) == "1");

  CHECK(seen_by_a == 1);
  CHECK(count_messages(*b, "hello from a", 1500ms) == 1);
}

TEST_CASE("a row inserted by plain SQL on another connection is delivered to subscribers", "[e2e]") {
  Db db(e2e_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess gw(e2e_db());
  auto c = connect_as(gw, user);
  subscribe(*c, thread);
  db.exec("INSERT INTO chat_messages (thread_id, sender_id, role, content, metadata) VALUES ($1, NULL, 'system', "
          "'written by SQL', '{\"source\":\"psql\"}')",
          {thread});
  auto m = c->recv_type("message");
  REQUIRE(m);
  CHECK(json_str(*m, "/topic") == "thread:" + thread);
  CHECK(json_str(*m, "/message/content") == "written by SQL");
  CHECK(json_str(*m, "/message/role") == "system");
  CHECK(json_str(*m, "/message/sender_id") == "null");
  CHECK(json_str(*m, "/message/metadata/source") == "psql");
  CHECK(json_str(*m, "/cursor") == "1");
}

TEST_CASE("with two serve processes on one database, a send on node A reaches a subscriber on node B", "[e2e]") {
  Db db(e2e_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess node_a(e2e_db());
  GatewayProcess node_b(e2e_db());
  auto on_a = connect_as(node_a, user);
  auto on_b = connect_as(node_b, user);
  subscribe(*on_b, thread);
  on_a->send(send_frame(thread, "across nodes", "x1"));
  REQUIRE(on_a->recv_type("ack", 5s, "x1"));
  CHECK(count_messages(*on_b, "across nodes", 2000ms) == 1);
}

TEST_CASE("a 60 KiB message, over the 8000-byte NOTIFY limit, is delivered whole", "[e2e]") {
  Db db(e2e_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess gw(e2e_db());
  auto c = connect_as(gw, user);
  auto r = connect_as(gw, user);  // receives; the sender's own copy may arrive before or after its ack
  subscribe(*r, thread);
  std::string big;
  for (int i = 0; big.size() < 60 * 1024; ++i) big += "chunk" + std::to_string(i) + "-";
  big.resize(60 * 1024);
  c->send(send_frame(thread, big, "big"));
  auto ack = c->recv_type("ack", 5s, "big");
  REQUIRE(ack);
  auto m = r->recv_type("message");
  REQUIRE(m);
  CHECK(json_str(*m, "/message/content") == big);
  // And through SQL too.
  db.exec("INSERT INTO chat_messages (thread_id, content) VALUES ($1, $2)", {thread, big + "-sql"});
  auto m2 = r->recv_type("message");
  REQUIRE(m2);
  CHECK(json_str(*m2, "/message/content") == big + "-sql");
}

TEST_CASE("a missing, bad, expired or unknown token gets HTTP 401 before the upgrade", "[e2e]") {
  Db db(e2e_db());
  auto user = make_profile(db);
  GatewayProcess gw(e2e_db());
  struct Case {
    std::string name, token;
  };
  std::vector<Case> cases = {
      {"missing", ""},
      {"garbage", "not-a-token"},
      {"expired", make_token(user, "customer", -10)},
      {"wrong secret", [&] {
         auto t = make_token(user);
         t.back() = t.back() == 'A' ? 'B' : 'A';
         return t;
       }()},
      {"unknown sub", make_token(random_uuid())},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    int status = 0;
    std::string body;
    auto client = WsClient::connect(gw.port(), c.token, &status, &body);
    CHECK_FALSE(client);
    CHECK(status == 401);
    CHECK(json_str(body, "/error") == "unauthorized");
    CHECK_FALSE(json_str(body, "/message").empty());
  }
  // The same user with a good token gets in, with the subprotocol echoed.
  auto ok = WsClient::connect(gw.port(), make_token(user), nullptr, nullptr, "techpulse.v1");
  REQUIRE(ok);
  CHECK(ok->negotiated_subprotocol() == "techpulse.v1");
  // The log never contains a token.
  auto log = read_file(gw.log_path());
  CHECK(log.find(make_token(user).substr(0, 40)) == std::string::npos);
}

TEST_CASE("an oversized frame closes the connection with 1009", "[e2e]") {
  Db db(e2e_db());
  auto user = make_profile(db);
  GatewayProcess gw(e2e_db());
  auto c = connect_as(gw, user);
  c->send(std::string(70 * 1024, 'x'));
  CHECK_FALSE(c->recv(5s));
  CHECK(c->closed());
  CHECK(c->close_code() == 1009);
}

TEST_CASE("a binary frame closes the connection with 1003", "[e2e]") {
  Db db(e2e_db());
  auto user = make_profile(db);
  GatewayProcess gw(e2e_db());
  auto c = connect_as(gw, user);
  c->send_binary("\x01\x02\x03");
  CHECK_FALSE(c->recv(5s));
  CHECK(c->close_code() == 1003);
}

TEST_CASE("invalid JSON gets an error event and the session goes on", "[e2e]") {
  Db db(e2e_db());
  auto user = make_profile(db);
  GatewayProcess gw(e2e_db());
  auto c = connect_as(gw, user);
  c->send("{\"type\":\"ping\",");
  auto e = c->recv_type("error");
  REQUIRE(e);
  CHECK(json_str(*e, "/code") == "bad_request");
  c->send(R"({"type":"teleport","ref":"t1"})");
  auto u = c->recv_type("error");
  REQUIRE(u);
  CHECK(json_str(*u, "/code") == "unknown_type");
  CHECK(json_str(*u, "/ref") == "t1");
  c->send(R"({"type":"ping","ref":"after"})");
  auto p = c->recv_type("pong");
  REQUIRE(p);
  CHECK(json_str(*p, "/ref") == "after");
}

TEST_CASE("threads: create, update, list, history and refusals through the binary", "[e2e]") {
  Db db(e2e_db());
  auto user = make_profile(db);
  auto other = make_profile(db);
  auto others_thread = make_thread(db, other);
  GatewayProcess gw(e2e_db());
  auto c = connect_as(gw, user);

  c->send(R"({"type":"thread.create","ref":"c1","title":"Brakes squeal","assistant":false})");
  auto t = c->recv_type("thread", 5s, "c1");
  REQUIRE(t);
  auto thread = json_str(*t, "/thread/id");
  CHECK(json_str(*t, "/thread/title") == "Brakes squeal");
  CHECK(json_str(*t, "/thread/user_id") == user);
  CHECK(json_bool(*t, "/thread/assistant") == false);

  c->send(R"({"type":"thread.update","ref":"u1","thread_id":")" + thread + R"(","title":"Brakes grind"})");
  auto u = c->recv_type("thread", 5s, "u1");
  REQUIRE(u);
  CHECK(json_str(*u, "/thread/title") == "Brakes grind");

  for (int i = 0; i < 3; ++i) {
    c->send(send_frame(thread, "msg" + std::to_string(i), "s" + std::to_string(i)));
    REQUIRE(c->recv_type("ack", 5s, "s" + std::to_string(i)));
  }
  c->send(R"({"type":"history","ref":"h1","thread_id":")" + thread + R"(","limit":2})");
  auto h = c->recv_type("history", 5s, "h1");
  REQUIRE(h);
  CHECK(json_str(*h, "/messages/0/content") == "msg1");
  CHECK(json_str(*h, "/messages/1/content") == "msg2");
  CHECK(json_bool(*h, "/has_more") == true);
  c->send(R"({"type":"history","ref":"h2","thread_id":")" + thread + R"(","limit":2,"before":")" +
          json_str(*h, "/next_before") + "\"}");
  auto h2 = c->recv_type("history", 5s, "h2");
  REQUIRE(h2);
  CHECK(json_str(*h2, "/messages/0/content") == "msg0");
  CHECK(json_bool(*h2, "/has_more") == false);

  c->send(R"({"type":"threads.list","ref":"l1"})");
  auto l = c->recv_type("threads", 5s, "l1");
  REQUIRE(l);
  CHECK(json_str(*l, "/threads/0/id") == thread);
  CHECK_FALSE(json_has(*l, "/threads/1"));

  // Another customer's thread: forbidden for every action; a thread that does not exist: not_found.
  for (const auto& frame : {subscribe_frame(others_thread, "f1"), send_frame(others_thread, "hi", "f1"),
                            R"({"type":"history","ref":"f1","thread_id":")" + others_thread + "\"}",
                            R"({"type":"thread.update","ref":"f1","thread_id":")" + others_thread + R"(","title":"x"})"}) {
    INFO(frame);
    c->send(frame);
    auto e = c->recv_type("error", 5s, "f1");
    REQUIRE(e);
    CHECK(json_str(*e, "/code") == "forbidden");
  }
  c->send(subscribe_frame(random_uuid(), "nf"));
  auto nf = c->recv_type("error", 5s, "nf");
  REQUIRE(nf);
  CHECK(json_str(*nf, "/code") == "not_found");
  CHECK(db.scalar("SELECT count(*) FROM chat_messages WHERE thread_id = $1", {others_thread}) == "0");
}

TEST_CASE("subscribe with since replays the missed messages first, then subscribed, then live", "[e2e]") {
  Db db(e2e_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  for (int i = 1; i <= 30; ++i) {
    db.exec("INSERT INTO chat_messages (thread_id, sender_id, content) VALUES ($1, $2, $3)",
            {thread, user, "old" + std::to_string(i)});
  }
  GatewayProcess gw(e2e_db());
  auto c = connect_as(gw, user);
  c->send(subscribe_frame(thread, "r1", "10"));
  for (int i = 11; i <= 30; ++i) {
    auto m = c->recv();
    REQUIRE(m);
    INFO(*m);
    REQUIRE(json_str(*m, "/type") == "message");
    CHECK(json_bool(*m, "/replay") == true);
    CHECK(json_str(*m, "/cursor") == std::to_string(i));
  }
  auto s = c->recv();
  REQUIRE(s);
  CHECK(json_str(*s, "/type") == "subscribed");
  CHECK(json_str(*s, "/cursor") == "30");
  db.exec("INSERT INTO chat_messages (thread_id, content) VALUES ($1, 'live')", {thread});
  auto live = c->recv_type("message");
  REQUIRE(live);
  CHECK(json_str(*live, "/cursor") == "31");
  CHECK_FALSE(json_has(*live, "/replay"));
}

TEST_CASE("healthz and readyz answer", "[e2e]") {
  GatewayProcess gw(e2e_db());
  std::string body;
  CHECK(http_get(gw.port(), "/healthz", &body) == 200);
  CHECK(http_get(gw.port(), "/readyz", &body) == 200);
  CHECK(json_str(body, "/status") == "ready");
  CHECK(http_get(gw.port(), "/nope") == 404);
  // An unmigrated database is not ready.
  auto bare = fresh_database("tp_test_unmigrated");
  GatewayProcess gw2(bare);
  CHECK(http_get(gw2.port(), "/readyz", &body) == 503);
  CHECK(json_str(body, "/reason") == "migrations pending");
}

TEST_CASE("a message committed while the gateway is cut off from the database is delivered after it reconnects",
          "[e2e]") {
  auto url = e2e_db();
  Db db(url);
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess gw(url);
  auto c = connect_as(gw, user);
  subscribe(*c, thread);

  // Cut the gateway off: no new connections to this database, and its sessions are terminated. This test's own
  // connection stays, so it can commit while the gateway cannot listen.
  auto dbname = url.substr(url.rfind('/') + 1);
  Db admin(server_url());
  admin.exec("ALTER DATABASE " + dbname + " ALLOW_CONNECTIONS false");
  admin.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> $2",
             {dbname, db.scalar("SELECT pg_backend_pid()")});
  std::this_thread::sleep_for(300ms);
  db.exec("INSERT INTO chat_messages (thread_id, content) VALUES ($1, 'during the outage')", {thread});
  admin.exec("ALTER DATABASE " + dbname + " ALLOW_CONNECTIONS true");

  auto m = c->recv_type("message", 15s);
  REQUIRE(m);
  CHECK(json_str(*m, "/message/content") == "during the outage");
  CHECK(count_messages(*c, "during the outage", 1000ms) == 0);  // not twice
  // It came through the catch-up from the table, not a notification.
  auto log = read_file(gw.log_path());
  CHECK_FALSE(log_events(log, "reconnected", {{"component", "listener"}}).empty());
  CHECK_FALSE(log_events(log, "caught_up", {{"threads", "1"}, {"messages", "1"}}).empty());
}

TEST_CASE("when PostgreSQL is restarted, the gateway reconnects and delivers what SQL committed meanwhile", "[e2e]") {
  auto url = e2e_db();
  std::string user, thread;
  {
    Db db(url);
    user = make_profile(db);
    thread = make_thread(db, user);
  }
  GatewayProcess gw(url);
  auto c = connect_as(gw, user);
  subscribe(*c, thread);

  restart_server();
  {
    Db db(url);  // commits right after the restart, typically before the gateway's listener is back
    db.exec("INSERT INTO chat_messages (thread_id, content) VALUES ($1, 'after restart')", {thread});
  }
  auto m = c->recv_type("message", 20s);
  REQUIRE(m);
  CHECK(json_str(*m, "/message/content") == "after restart");

  // Sends work again once the database is back.
  auto deadline = std::chrono::steady_clock::now() + 20s;
  bool acked = false;
  for (int i = 0; !acked && std::chrono::steady_clock::now() < deadline; ++i) {
    c->send(send_frame(thread, "post-restart send", "pr" + std::to_string(i), "pr-send"));
    auto r = c->recv_until([&](const std::string& f) { return json_str(f, "/ref") == "pr" + std::to_string(i); }, 5s);
    REQUIRE(r);
    if (json_str(*r, "/type") == "ack") {
      acked = true;
    } else {
      CHECK(json_str(*r, "/code") == "unavailable");
      std::this_thread::sleep_for(200ms);
    }
  }
  CHECK(acked);
  CHECK(Db(url).scalar("SELECT count(*) FROM chat_messages WHERE client_msg_id = 'pr-send'") == "1");
}

TEST_CASE("assistant.cancel, thread.create with a ticket and thread.update of assistant are answered and the gateway keeps serving",
          "[e2e]") {
  Db db(e2e_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  auto ticket = random_uuid();
  // The customer's own ticket: only such a ticket may be linked (another's is tested in the security suite).
  db.exec("INSERT INTO support_tickets (id, ticket_number, customer_id) VALUES ($1, $2, $3)",
          {ticket, "T-" + ticket.substr(0, 8), user});
  GatewayProcess gw(e2e_db());
  auto c = connect_as(gw, user);
  c->send(R"({"type":"assistant.cancel","ref":"a1","thread_id":")" + thread + "\"}");
  auto a = c->recv_type("error", 5s, "a1");
  REQUIRE(a);
  CHECK(json_str(*a, "/code") == "not_found");
  c->send(R"({"type":"thread.create","ref":"c1","title":"with ticket","ticket_id":")" + ticket + "\"}");
  auto t = c->recv_type("thread", 5s, "c1");
  REQUIRE(t);
  CHECK(json_str(*t, "/thread/ticket_id") == ticket);
  c->send(R"({"type":"thread.update","ref":"u1","thread_id":")" + thread + R"(","assistant":false})");
  auto u = c->recv_type("thread", 5s, "u1");
  REQUIRE(u);
  CHECK(json_bool(*u, "/thread/assistant") == false);
  c->send(R"({"type":"ping","ref":"p"})");
  CHECK(c->recv_type("pong", 5s, "p"));
  CHECK(http_get(gw.port(), "/healthz") == 200);
}
