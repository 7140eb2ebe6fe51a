// Late joiners see the whole answer (issue 17, item 4), end to end: two real gateway processes on one PostgreSQL,
// the turn running on one of them against a fake OpenAI-compatible server that holds its stream at a gate until the
// test opens it, so the join happens mid-turn by events, not by timing. A subscriber on the other node gets
// `subscribed`, an assistant.snapshot with the text so far, then only the later deltas: its text equals the stored
// answer and no index is repeated or skipped.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "support/assistant_client.hpp"
#include "support/fake_llm.hpp"
#include "support/gateway_process.hpp"
#include "support/pg_support.hpp"
#include "support/ws_client.hpp"

using namespace techpulse::test;
using namespace techpulse::test::assistant;

namespace {

std::string snapshot_db() {
  return migrated_database("tp_test_ai_snapshot_e2e", [](const std::string& u) {
    exec_sql_file(u, std::string(TECHPULSE_SOURCE_DIR) + "/deploy/demo/knowledge_base.sql");
  });
}

// Where the fake server stops streaming until the test lets it go on.
struct Gate {
  std::atomic<bool> reached{false};
  std::atomic<bool> opened{false};
  // The server's side: says it got here, then waits (bounded) to be let through.
  void hold() {
    reached = true;
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!opened && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(2ms);
  }
  bool wait_reached() {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!reached && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(2ms);
    return reached;
  }
};

// Streams `before`, holds at the gate, then streams `after` and ends.
FakeLlm::Handler gated(const std::vector<std::string>& before, Gate& gate, const std::vector<std::string>& after) {
  return [&before, &gate, &after](FakeLlm::Conn& c) {
    c.begin_stream();
    for (const auto& p : before) c.content(p);
    gate.hold();
    for (const auto& p : after) c.content(p);
    c.end_stream();
  };
}

std::string joined(const std::vector<std::string>& a, const std::vector<std::string>& b = {}) {
  std::string s;
  for (const auto& p : a) s += p;
  for (const auto& p : b) s += p;
  return s;
}

// The next frame that is not about presence (presence.state follows `subscribed`).
std::optional<std::string> next_frame(Client& c) {
  return c.recv_until([](const std::string& f) { return json_str(f, "/type").rfind("presence.", 0) != 0; }, 5s);
}

// The deltas after a snapshot: exactly snapshot index + 1, + 2, ... (none repeated, none skipped).
void check_follows(const Turn& t, int snapshot_index, size_t expected) {
  REQUIRE(t.indexes.size() == expected);
  for (size_t i = 0; i < t.indexes.size(); ++i) CHECK(t.indexes[i] == snapshot_index + 1 + static_cast<int>(i));
}

}  // namespace

TEST_CASE("a subscriber joining mid-turn on the other node gets the snapshot, then only the later deltas",
          "[e2e][assistant][snapshot]") {
  const std::vector<std::string> before = {"Squealing brakes ", "usually mean ", "worn pads "};
  const std::vector<std::string> after = {"[1]. Have the ", "pads and rotors ", "inspected soon."};
  Gate gate;
  FakeLlm llm({gated(before, gate, after)});
  Db db(snapshot_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess a(snapshot_db(), openai_env(llm));
  GatewayProcess b(snapshot_db(), {{"TECHPULSE_AI_WORKERS", "0"}});  // runs no turns: it only relays them

  auto ca = connect_as(a, user);
  subscribe(*ca, thread, "sa");
  send(*ca, thread, "My brakes squeal when I stop", "m1");
  REQUIRE(gate.wait_reached());
  // Every delta before the gate is committed once the node running the turn has relayed the last one.
  auto third = ca->wait_for([](const std::string& f) {
    return json_str(f, "/type") == "assistant.delta" && json_str(f, "/index") == "2";
  }, 10s);
  REQUIRE(third);
  const auto turn_id = json_str(*third, "/turn_id");

  // On the other node: a plain subscribe, and a reconnect with since (the user message is replayed first).
  auto cb = connect_as(b, user);
  subscribe(*cb, thread, "sb");
  auto cc = connect_as(b, user);
  cc->send(R"({"type":"subscribe","ref":"sc","topic":"thread:)" + thread + R"(","since":"0"})");
  auto replayed = cc->recv_type("message", 5s);
  REQUIRE(replayed);
  CHECK(json_str(*replayed, "/message/content") == "My brakes squeal when I stop");
  auto subscribed = cc->recv_type("subscribed", 5s, "sc");
  REQUIRE(subscribed);

  // Both got the snapshot right after `subscribed`, before the gate opens: the text so far and its last index.
  std::vector<std::string> snaps;
  for (auto* c : {cb.get(), cc.get()}) {
    auto snap = next_frame(*c);
    REQUIRE(snap);
    snaps.push_back(*snap);
    REQUIRE(json_str(*snap, "/type") == "assistant.snapshot");
    CHECK(json_str(*snap, "/turn_id") == turn_id);
    CHECK(json_str(*snap, "/thread_id") == thread);
    CHECK(json_str(*snap, "/index") == "2");
    CHECK(json_str(*snap, "/text") == joined(before));
  }
  gate.opened = true;

  auto full = read_turn(*ca, thread);
  REQUIRE(json_str(full.end, "/type") == "assistant.done");
  const auto stored = db.scalar("SELECT content FROM chat_messages WHERE id = $1", {json_str(full.end, "/message_id")});
  CHECK(stored == joined(before, after));
  for (size_t i = 0; i < 2; ++i) {
    auto t = read_turn(i == 0 ? *cb : *cc, thread);
    REQUIRE(json_str(t.end, "/type") == "assistant.done");
    CHECK(json_str(t.end, "/turn_id") == turn_id);
    CHECK(t.start.empty());  // it came before the join
    check_follows(t, 2, after.size());
    CHECK(t.deltas == after);
    CHECK(json_str(snaps[i], "/text") + t.text() == stored);
  }
  // The turn's stored deltas are gone with it.
  CHECK(db.scalar("SELECT count(*) FROM assistant_deltas d JOIN assistant_jobs j ON j.id = d.job_id "
                  "WHERE j.thread_id = $1",
                  {thread}) == "0");

  // Once the turn is over, a new subscriber gets no snapshot: `subscribed`, then nothing of the turn.
  auto late = connect_as(b, user);
  subscribe(*late, thread, "sl");
  late->send(R"({"type":"ping","ref":"p"})");
  auto next = next_frame(*late);
  REQUIRE(next);
  CHECK(json_str(*next, "/type") == "pong");
}

TEST_CASE("a subscriber joining before the first delta gets an empty snapshot (index -1) and every delta",
          "[e2e][assistant][snapshot]") {
  const std::vector<std::string> none;
  const std::vector<std::string> after = {"Check the ", "brake pads ", "[1]."};
  Gate gate;
  FakeLlm llm({gated(none, gate, after)});
  Db db(snapshot_db());
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  GatewayProcess a(snapshot_db(), openai_env(llm));
  GatewayProcess b(snapshot_db(), {{"TECHPULSE_AI_WORKERS", "0"}});

  auto ca = connect_as(a, user);
  subscribe(*ca, thread, "sa");
  send(*ca, thread, "My brakes squeal when I stop", "m1");
  REQUIRE(gate.wait_reached());  // the turn is running (its request reached the server) and has no delta yet
  auto start = ca->wait_for([](const std::string& f) { return json_str(f, "/type") == "assistant.start"; }, 10s);
  REQUIRE(start);

  auto cb = connect_as(b, user);
  subscribe(*cb, thread, "sb");
  auto snap = next_frame(*cb);
  REQUIRE(snap);
  REQUIRE(json_str(*snap, "/type") == "assistant.snapshot");
  CHECK(json_str(*snap, "/turn_id") == json_str(*start, "/turn_id"));
  CHECK(json_str(*snap, "/in_reply_to") == json_str(*start, "/in_reply_to"));
  CHECK(json_str(*snap, "/index") == "-1");
  CHECK(json_str(*snap, "/text").empty());
  gate.opened = true;

  auto t = read_turn(*cb, thread);
  REQUIRE(json_str(t.end, "/type") == "assistant.done");
  CHECK(t.start.empty());
  check_follows(t, -1, after.size());
  CHECK(t.text() == db.scalar("SELECT content FROM chat_messages WHERE id = $1", {json_str(t.end, "/message_id")}));
  CHECK(t.text() == joined(after));
}
