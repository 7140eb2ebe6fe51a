// The assistant end to end: real gateway processes, real sockets, a real PostgreSQL, and (for the openai
// provider) a fake OpenAI-compatible server on 127.0.0.1 that speaks the real chat/completions SSE format.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "support/assistant_client.hpp"
#include "support/fake_llm.hpp"
#include "support/gateway_process.hpp"
#include "support/pg_support.hpp"
#include "support/ws_client.hpp"

using namespace techpulse::test;
using namespace techpulse::test::assistant;

namespace {

std::string ai_db() {
  return migrated_database("tp_test_ai_e2e", [](const std::string& u) {
    exec_sql_file(u, std::string(TECHPULSE_SOURCE_DIR) + "/deploy/demo/knowledge_base.sql");
  });
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("extractive: subscribers on both nodes get start, ordered deltas and done; the stored reply equals the deltas",
          "[e2e][assistant]") {
  Db db(ai_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess a(ai_db(), {{"TECHPULSE_AI_WORKERS", "2"}});
  GatewayProcess b(ai_db(), {{"TECHPULSE_AI_WORKERS", "0"}});  // b runs no turns: its client sees a's turn
  auto ca = connect_as(a, user);
  auto cb = connect_as(b, user);
  subscribe(*ca, thread, "sa");
  subscribe(*cb, thread, "sb");
  const std::string question = "My car won't start, I just hear rapid clicking when I turn the key";
  auto msg_id = send(*ca, thread, question, "m1");

  auto ta = read_turn(*ca, thread);
  auto tb = read_turn(*cb, thread);
  for (auto* t : {&ta, &tb}) {
    REQUIRE_FALSE(t->start.empty());
    CHECK(json_str(t->start, "/in_reply_to") == msg_id);
    REQUIRE(json_str(t->end, "/type") == "assistant.done");
    CHECK(json_str(t->end, "/turn_id") == json_str(t->start, "/turn_id"));
    REQUIRE(t->deltas.size() >= 2);
    for (size_t i = 0; i < t->indexes.size(); ++i) CHECK(t->indexes[i] == static_cast<int>(i));
  }
  CHECK(ta.text() == tb.text());
  auto message_id = json_str(ta.end, "/message_id");
  auto stored = db.exec("SELECT content, metadata->>'provider', metadata->>'confidence', metadata->'sources'->0->>'id', "
                        "metadata->>'in_reply_to', sender_id FROM chat_messages WHERE id = $1 AND role = 'assistant'",
                        {message_id});
  REQUIRE(stored.size() == 1);
  CHECK(*stored[0][0] == ta.text());
  CHECK(*stored[0][1] == "extractive");
  CHECK(std::stod(*stored[0][2]) == Approx(std::stod(json_str(ta.end, "/confidence"))));
  CHECK(*stored[0][3] == json_str(ta.end, "/sources/0/id"));
  CHECK(*stored[0][3] == "b0000000-0000-4000-8000-000000000015");  // the dead-battery article
  CHECK(*stored[0][4] == msg_id);
  CHECK_FALSE(stored[0][5].has_value());
  CHECK(ta.text().find("[1]") != std::string::npos);

  // The stored reply also arrives as an ordinary message (on both nodes).
  auto m = cb->recv_until([&](const std::string& f) { return json_str(f, "/message/id") == message_id; }, 5s);
  if (tb.assistant_message.empty()) CHECK(m);

  // One retrieval log row, results in rank order; the thread records the answer.
  auto log = db.exec("SELECT query_text, source_type, result_ids[1]::text, returned_at IS NOT NULL FROM retrieval_logs "
                     "WHERE thread_id = $1",
                     {thread});
  REQUIRE(log.size() == 1);
  CHECK(*log[0][0] == question);
  CHECK(*log[0][1] == "knowledge_base");
  CHECK(*log[0][2] == "b0000000-0000-4000-8000-000000000015");
  CHECK(db.scalar("SELECT ai_response = $2 FROM conversation_threads WHERE id = $1", {thread, ta.text()}) == "t");
  CHECK(db.scalar("SELECT confidence_score > 0 FROM conversation_threads WHERE id = $1", {thread}) == "t");
  CHECK(db.scalar("SELECT status || '/' || attempts FROM assistant_jobs WHERE message_id = $1", {msg_id}) == "done/1");
}

TEST_CASE("a thread whose assistant is off gets no turn", "[e2e][assistant]") {
  Db db(ai_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  db.exec("UPDATE conversation_threads SET assistant_enabled = false WHERE id = $1", {thread});
  GatewayProcess gw(ai_db(), {{"TECHPULSE_AI_WORKERS", "2"}});
  auto c = connect_as(gw, user);
  subscribe(*c, thread);
  send(*c, thread, "My brakes squeal", "m1");
  auto ev = c->recv_until([](const std::string& f) { return json_str(f, "/type").rfind("assistant.", 0) == 0; }, 1500ms);
  CHECK_FALSE(ev);
  CHECK(count_assistant_messages(db, thread) == 0);
}

TEST_CASE("openai: streamed chunks arrive as ordered deltas and the stored message is their concatenation",
          "[e2e][assistant][openai]") {
  const std::vector<std::string> pieces = {"Rapid clicking ", "usually means ", "a weak 12V battery ",
                                           "[1]. Try a jump ", "start, then have ", "the battery tested."};
  FakeLlm llm({[&](FakeLlm::Conn& c) { c.stream(pieces, 30); }});
  Db db(ai_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess gw(ai_db(), openai_env(llm));
  auto c = connect_as(gw, user);
  subscribe(*c, thread);
  send(*c, thread, "My car won't start, I just hear rapid clicking when I turn the key", "m1");
  auto t = read_turn(*c, thread);
  REQUIRE(json_str(t.end, "/type") == "assistant.done");
  CHECK(t.deltas == pieces);
  std::string all;
  for (auto& p : pieces) all += p;
  auto message_id = json_str(t.end, "/message_id");
  CHECK(db.scalar("SELECT content FROM chat_messages WHERE id = $1", {message_id}) == all);
  CHECK(db.scalar("SELECT metadata->>'provider' || '/' || (metadata->>'model') FROM chat_messages WHERE id = $1",
                  {message_id}) == "openai/fake-model");

  // The request: the real endpoint, the key as a bearer token, stream:true, the prompt with the passages.
  auto reqs = llm.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].head.rfind("POST /v1/chat/completions HTTP/1.1", 0) == 0);
  CHECK(reqs[0].head.find("Authorization: Bearer sk-test-do-not-log-0123") != std::string::npos);
  CHECK(json_str(reqs[0].body, "/model") == "fake-model");
  CHECK(json_bool(reqs[0].body, "/stream"));
  CHECK(json_str(reqs[0].body, "/messages/0/role") == "system");
  CHECK(json_str(reqs[0].body, "/messages/0/content").find("12V battery") != std::string::npos);
  CHECK(json_str(reqs[0].body, "/messages/1/content").find("rapid clicking") != std::string::npos);
  gw.terminate();
  CHECK(read_file(gw.log_path()).find("sk-test-do-not-log-0123") == std::string::npos);
}

TEST_CASE("openai: a 500 is retried and the retry's answer is stored", "[e2e][assistant][openai]") {
  FakeLlm llm({[](FakeLlm::Conn& c) { c.status(500, R"({"error":{"message":"overloaded"}})"); },
               [](FakeLlm::Conn& c) { c.stream({"Second ", "time lucky."}, 5); }});
  Db db(ai_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess gw(ai_db(), openai_env(llm));
  auto c = connect_as(gw, user);
  subscribe(*c, thread);
  send(*c, thread, "My brakes squeal when I stop", "m1");
  auto t = read_turn(*c, thread);
  REQUIRE(json_str(t.end, "/type") == "assistant.done");
  CHECK(llm.request_count() == 2);
  CHECK(t.text() == "Second time lucky.");
  CHECK(db.scalar("SELECT content FROM chat_messages WHERE id = $1", {json_str(t.end, "/message_id")}) ==
        "Second time lucky.");
}

TEST_CASE("openai: a 401 ends the turn with provider_error, is not retried, and stores nothing",
          "[e2e][assistant][openai]") {
  FakeLlm llm({[](FakeLlm::Conn& c) { c.status(401, R"({"error":{"message":"invalid api key"}})"); }});
  Db db(ai_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess gw(ai_db(), openai_env(llm));
  auto c = connect_as(gw, user);
  subscribe(*c, thread);
  auto msg = send(*c, thread, "My brakes squeal when I stop", "m1");
  auto t = read_turn(*c, thread);
  REQUIRE(json_str(t.end, "/type") == "assistant.error");
  CHECK(json_str(t.end, "/code") == "provider_error");
  CHECK(json_str(t.end, "/message").find("401") != std::string::npos);
  CHECK(llm.request_count() == 1);
  CHECK(count_assistant_messages(db, thread) == 0);
  CHECK(db.scalar("SELECT status FROM assistant_jobs WHERE message_id = $1", {msg}) == "failed");
  CHECK(db.scalar("SELECT error FROM assistant_jobs WHERE message_id = $1", {msg}).find("HTTP 401") != std::string::npos);
}

TEST_CASE("openai: a stream that stalls ends with timeout and stores nothing", "[e2e][assistant][openai]") {
  FakeLlm llm({[](FakeLlm::Conn& c) {
    c.begin_stream();
    c.content("Let me think");
    c.hold();
  }});
  Db db(ai_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess gw(ai_db(), openai_env(llm, {{"TECHPULSE_AI_TIMEOUT_MS", "800"}}));
  auto c = connect_as(gw, user);
  subscribe(*c, thread);
  auto msg = send(*c, thread, "My brakes squeal when I stop", "m1");
  auto t = read_turn(*c, thread);
  CHECK(t.deltas == std::vector<std::string>{"Let me think"});
  REQUIRE(json_str(t.end, "/type") == "assistant.error");
  CHECK(json_str(t.end, "/code") == "timeout");
  CHECK(count_assistant_messages(db, thread) == 0);
  CHECK(db.scalar("SELECT status FROM assistant_jobs WHERE message_id = $1", {msg}) == "failed");
}

TEST_CASE("assistant.cancel stops the stream, closes the upstream request and stores nothing",
          "[e2e][assistant][openai]") {
  std::vector<std::string> many(200, "word ");
  FakeLlm llm({[&](FakeLlm::Conn& c) { c.stream(many, 50); }});
  Db db(ai_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess a(ai_db(), openai_env(llm));
  GatewayProcess b(ai_db(), {{"TECHPULSE_AI_WORKERS", "0"}});
  auto ca = connect_as(a, user);
  auto cb = connect_as(b, user);  // cancels from the other node
  subscribe(*ca, thread, "sa");
  subscribe(*cb, thread, "sb");
  auto msg = send(*ca, thread, "My brakes squeal when I stop", "m1");
  auto first = ca->recv_type("assistant.delta", 10s);
  REQUIRE(first);
  cb->send(R"({"type":"assistant.cancel","ref":"c1","thread_id":")" + thread + "\"}");
  auto t = read_turn(*ca, thread);
  REQUIRE(json_str(t.end, "/type") == "assistant.error");
  CHECK(json_str(t.end, "/code") == "cancelled");
  CHECK(json_str(t.end, "/turn_id") == json_str(*first, "/turn_id"));
  CHECK(t.deltas.size() < many.size());
  auto on_b = cb->recv_until([](const std::string& f) { return json_str(f, "/type") == "assistant.error"; }, 5s);
  REQUIRE(on_b);
  CHECK(json_str(*on_b, "/code") == "cancelled");
  CHECK(count_assistant_messages(db, thread) == 0);
  CHECK(db.scalar("SELECT status FROM assistant_jobs WHERE message_id = $1", {msg}) == "cancelled");
  // The upstream request was closed, not left streaming.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!llm.peer_closed() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  CHECK(llm.peer_closed());
  // Nothing runs any more: another cancel finds nothing.
  cb->send(R"({"type":"assistant.cancel","ref":"c2","thread_id":")" + thread + "\"}");
  auto none = cb->recv_type("error", 5s, "c2");
  REQUIRE(none);
  CHECK(json_str(*none, "/code") == "not_found");
  // A user who may not write the thread may not cancel its turns.
  auto stranger = make_profile(db);
  auto cs = connect_as(b, stranger);
  cs->send(R"({"type":"assistant.cancel","ref":"c3","thread_id":")" + thread + "\"}");
  auto refused = cs->recv_type("error", 5s, "c3");
  REQUIRE(refused);
  CHECK(json_str(*refused, "/code") == "forbidden");
}

TEST_CASE("exactly once: two nodes, 50 user messages over 10 threads, 50 assistant messages", "[e2e][assistant]") {
  Db db(ai_db());
  auto user = make_profile(db);
  std::vector<std::string> threads;
  for (int i = 0; i < 10; ++i) threads.push_back(make_thread(db, user));
  GatewayProcess a(ai_db(), {{"TECHPULSE_AI_WORKERS", "3"}});
  GatewayProcess b(ai_db(), {{"TECHPULSE_AI_WORKERS", "3"}});
  auto ca = connect_as(a, user);
  auto cb = connect_as(b, user);
  const std::vector<std::string> questions = {"My brakes squeal when I stop", "The battery light came on",
                                              "Car pulls to the right", "AC blows warm air",
                                              "Humming noise louder with speed"};
  std::set<std::string> sent;
  int n = 0;
  for (int round = 0; round < 5; ++round) {
    for (auto& t : threads) {
      auto& c = (n % 2 == 0) ? *ca : *cb;
      sent.insert(send(c, t, questions[static_cast<size_t>(round)], "m" + std::to_string(n)));
      ++n;
    }
  }
  REQUIRE(sent.size() == 50);
  std::string in_threads = "ARRAY[";
  for (size_t i = 0; i < threads.size(); ++i) in_threads += (i ? ",'" : "'") + threads[i] + "'";
  in_threads += "]::uuid[]";
  auto count = [&] {
    return std::stoi(db.scalar("SELECT count(*) FROM chat_messages WHERE role = 'assistant' AND thread_id = ANY(" +
                               in_threads + ")"));
  };
  auto deadline = std::chrono::steady_clock::now() + 90s;
  while (count() < 50 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
  std::this_thread::sleep_for(1s);  // anything extra would show up now
  CHECK(count() == 50);
  CHECK(db.scalar("SELECT count(DISTINCT metadata->>'in_reply_to') FROM chat_messages WHERE role = 'assistant' AND "
                  "thread_id = ANY(" + in_threads + ")") == "50");
  CHECK(db.scalar("SELECT count(*) FROM assistant_jobs WHERE status = 'done' AND attempts = 1 AND thread_id = ANY(" +
                  in_threads + ")") == "50");
  // Both nodes took turns, and within a thread no two turns overlapped.
  CHECK(db.scalar("SELECT count(DISTINCT split_part(worker, '/', 1)) FROM assistant_jobs WHERE thread_id = ANY(" +
                  in_threads + ")") == "2");
  CHECK(db.scalar("SELECT count(*) FROM assistant_jobs j JOIN assistant_jobs k ON k.thread_id = j.thread_id "
                  "AND k.id <> j.id AND k.started_at < j.finished_at AND j.started_at < k.finished_at "
                  "WHERE j.thread_id = ANY(" + in_threads + ")") == "0");
  // ... and they ran in the order of their questions.
  CHECK(db.scalar("SELECT count(*) FROM assistant_jobs j JOIN chat_messages jm ON jm.id = j.message_id "
                  "JOIN assistant_jobs k ON k.thread_id = j.thread_id JOIN chat_messages km ON km.id = k.message_id "
                  "WHERE km.seq > jm.seq AND k.started_at < j.finished_at AND j.thread_id = ANY(" + in_threads + ")") == "0");
  // Each reply comes after its question in the thread.
  CHECK(db.scalar("SELECT count(*) FROM chat_messages r JOIN chat_messages q ON q.id = (r.metadata->>'in_reply_to')::uuid "
                  "WHERE r.role = 'assistant' AND r.seq < q.seq AND r.thread_id = ANY(" + in_threads + ")") == "0");
}

TEST_CASE("lease expiry: when a worker's process is killed mid-turn, another node takes the turn after the lease",
          "[e2e][assistant][openai]") {
  FakeLlm llm({[](FakeLlm::Conn& c) {
                 c.begin_stream();
                 c.content("partial ");
                 c.hold();  // the first worker dies while this is open
               },
               [](FakeLlm::Conn& c) { c.stream({"Answer from ", "the second node."}, 5); }});
  Db db(ai_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  auto env = openai_env(llm, {{"TECHPULSE_AI_LEASE_MS", "1500"}, {"TECHPULSE_AI_TIMEOUT_MS", "60000"}});
  auto first = std::make_unique<GatewayProcess>(ai_db(), env);
  auto c = connect_as(*first, user);
  subscribe(*c, thread);
  auto msg = send(*c, thread, "My brakes squeal when I stop", "m1");
  REQUIRE(llm.wait_requests(1, 10s));
  auto partial = c->recv_type("assistant.delta", 10s);
  REQUIRE(partial);
  auto turn_id = json_str(*partial, "/turn_id");
  first->kill9();
  CHECK(db.scalar("SELECT status FROM assistant_jobs WHERE message_id = $1", {msg}) == "running");

  GatewayProcess second(ai_db(), env);
  auto c2 = connect_as(second, user);
  subscribe(*c2, thread, "s2");
  REQUIRE(llm.wait_requests(2, 20s));
  auto t = read_turn(*c2, thread);
  REQUIRE(json_str(t.end, "/type") == "assistant.done");
  CHECK(json_str(t.end, "/turn_id") == turn_id);
  // c2 may have joined while the dead worker's attempt still held the turn (a snapshot of "partial ", dropped by the
  // restart's assistant.start) or after the restart: either way it ends with the second node's whole answer.
  CHECK(t.text() == "Answer from the second node.");
  CHECK(db.scalar("SELECT status || '/' || attempts FROM assistant_jobs WHERE message_id = $1", {msg}) == "done/2");
  CHECK(count_assistant_messages(db, thread) == 1);
  CHECK(db.scalar("SELECT content FROM chat_messages WHERE thread_id = $1 AND role = 'assistant'", {thread}) ==
        "Answer from the second node.");
}

TEST_CASE("openai over https: a certificate from a trusted CA file is accepted, an untrusted one is refused",
          "[e2e][assistant][openai][tls]") {
  // A self-signed certificate for 127.0.0.1, made by the openssl command line.
  std::string dir = "/tmp/techpulse-ai-tls-" + std::to_string(::getpid());
  std::string cmd = "mkdir -p " + dir + " && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                    "-addext subjectAltName=IP:127.0.0.1 -keyout " + dir + "/key.pem -out " + dir +
                    "/cert.pem >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  Db db(ai_db());
  auto user = make_profile(db);

  SECTION("trusted through TECHPULSE_AI_CA_FILE") {
    FakeLlm llm({[](FakeLlm::Conn& c) { c.stream({"Over ", "TLS."}, 5); }}, dir + "/cert.pem", dir + "/key.pem");
    REQUIRE(llm.base_url().rfind("https://", 0) == 0);
    auto thread = make_thread(db, user);
    GatewayProcess gw(ai_db(), openai_env(llm, {{"TECHPULSE_AI_CA_FILE", dir + "/cert.pem"}}));
    auto c = connect_as(gw, user);
    subscribe(*c, thread);
    send(*c, thread, "My brakes squeal when I stop", "m1");
    auto t = read_turn(*c, thread);
    REQUIRE(json_str(t.end, "/type") == "assistant.done");
    CHECK(t.text() == "Over TLS.");
    CHECK(llm.handshake_failures() == 0);
    CHECK(db.scalar("SELECT content FROM chat_messages WHERE id = $1", {json_str(t.end, "/message_id")}) == "Over TLS.");
  }
  SECTION("not trusted: provider_error, no request sent, nothing stored") {
    FakeLlm llm({[](FakeLlm::Conn& c) { c.stream({"should not be seen"}, 5); }}, dir + "/cert.pem", dir + "/key.pem");
    auto thread = make_thread(db, user);
    GatewayProcess gw(ai_db(), openai_env(llm));
    auto c = connect_as(gw, user);
    subscribe(*c, thread);
    send(*c, thread, "My brakes squeal when I stop", "m1");
    auto t = read_turn(*c, thread);
    REQUIRE(json_str(t.end, "/type") == "assistant.error");
    CHECK(json_str(t.end, "/code") == "provider_error");
    CHECK(json_str(t.end, "/message").find("TLS") != std::string::npos);
    CHECK(llm.request_count() == 0);
    CHECK(llm.wait_handshake_failures(1, 10s));
    CHECK(count_assistant_messages(db, thread) == 0);
  }
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("a follow-up question is answered with the thread's earlier question as context, one turn at a time",
          "[e2e][assistant]") {
  Db db(ai_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess gw(ai_db(), {{"TECHPULSE_AI_WORKERS", "2"}});
  auto c = connect_as(gw, user);
  subscribe(*c, thread);
  // Sent back to back: the second waits for the first turn (one turn at a time per thread), then runs.
  auto first = send(*c, thread, "My brakes squeal really loud every time I stop", "m1");
  auto second = send(*c, thread, "is that expensive to fix?", "m2");
  auto t1 = read_turn(*c, thread);
  auto t2 = read_turn(*c, thread);
  REQUIRE(json_str(t1.end, "/type") == "assistant.done");
  REQUIRE(json_str(t2.end, "/type") == "assistant.done");
  CHECK(json_str(t1.start, "/in_reply_to") == first);
  CHECK(json_str(t2.start, "/in_reply_to") == second);
  auto logs = db.exec("SELECT query_text, 'b0000000-0000-4000-8000-000000000011' = ANY(result_ids[1:3]), "
                      "(SELECT category FROM knowledge_base WHERE id = result_ids[1]) "
                      "FROM retrieval_logs WHERE thread_id = $1 ORDER BY returned_at",
                      {thread});
  REQUIRE(logs.size() == 2);
  CHECK(*logs[0][0] == "My brakes squeal really loud every time I stop");
  // The follow-up alone finds nothing worth citing; searched with the earlier question it finds the brake article.
  CHECK(logs[1][0]->find("My brakes squeal") != std::string::npos);
  CHECK(logs[1][0]->find("is that expensive to fix?") != std::string::npos);
  CHECK(*logs[1][1] == "t");          // the brake pads article is in the top 3
  CHECK(*logs[1][2] == "brakes");     // and the best match is about brakes
  CHECK(json_str(t2.end, "/sources/0/id") == json_str(t1.end, "/sources/0/id"));
}

TEST_CASE("a thread of a ticket: the vehicle steers retrieval, and the ticket's technician sees the turn once",
          "[e2e][assistant]") {
  Db db(ai_db());
  auto customer = make_profile(db);
  auto tech = make_profile(db, "technician");
  auto ticket = random_uuid();
  db.exec("INSERT INTO support_tickets (id, ticket_number, customer_name, vehicle_info, issue_summary, "
          "assigned_technician) VALUES ($1, $2, 'Test', '2015 Toyota Camry LE 2.5L', 'Misfire at idle', $3)",
          {ticket, "TP-" + ticket.substr(0, 8), tech});
  auto thread = random_uuid();
  db.exec("INSERT INTO conversation_threads (id, user_id, title, ticket_id) VALUES ($1, $2, 'Camry', $3)",
          {thread, customer, ticket});
  GatewayProcess a(ai_db(), {{"TECHPULSE_AI_WORKERS", "2"}});
  GatewayProcess b(ai_db(), {{"TECHPULSE_AI_WORKERS", "0"}});
  auto c = connect_as(a, customer);
  subscribe(*c, thread);
  auto t1 = connect_as(b, tech);  // the ticket only
  t1->send(R"({"type":"subscribe","ref":"k","topic":"ticket:)" + ticket + "\"}");
  REQUIRE(t1->wait_for([](const std::string& f) { return json_str(f, "/ref") == "k"; }, 5s));
  auto t2 = connect_as(b, tech);  // the ticket and the thread: still one copy of each event
  t2->send(R"({"type":"subscribe","ref":"k","topic":"ticket:)" + ticket + "\"}");
  REQUIRE(t2->wait_for([](const std::string& f) { return json_str(f, "/ref") == "k"; }, 5s));
  subscribe(*t2, thread, "t");

  send(*c, thread, "engine misfire, do I need new spark plugs?", "m1");
  auto turn = read_turn(*c, thread);
  REQUIRE(json_str(turn.end, "/type") == "assistant.done");
  // The Camry article (vehicle_context 'Toyota Camry 2012-2017') comes first, and the answer names the vehicle.
  CHECK(json_str(turn.end, "/sources/0/id") == "b0000000-0000-4000-8000-000000000035");
  CHECK(turn.text().find("For your 2015 Toyota Camry LE 2.5L") != std::string::npos);

  for (auto* tc : {t1.get(), t2.get()}) {
    auto seen = read_turn(*tc, thread);
    REQUIRE(json_str(seen.end, "/type") == "assistant.done");
    CHECK(seen.text() == turn.text());
    CHECK(seen.indexes.size() == turn.indexes.size());  // no event twice
    // Nothing more about this turn arrives (a second copy of done would).
    auto extra = tc->recv_until([](const std::string& f) { return json_str(f, "/type").rfind("assistant.", 0) == 0; },
                                500ms);
    CHECK_FALSE(extra);
  }
}
