// The assistant's events through the realtime core against a real PostgreSQL (core_harness.hpp): a late joiner's
// assistant.snapshot and the events around it (gateway/realtime/subscribe.cpp, docs/assistant.md#late-joiners).
#include "pg/core_harness.hpp"
#include "protocol/events.hpp"

using namespace techpulse;
using namespace techpulse::test;
using namespace techpulse::test::core_harness;
using namespace techpulse::gateway;

namespace {

// A worker's delta for job, through the same function a worker calls (stored and published in one statement).
std::string publish_delta(Db& db, const std::string& job, const std::string& thread, const std::string& ticket,
                          int index, int attempt = 1) {
  std::string text = "d" + std::to_string(index) + " ";
  return db.scalar("SELECT tp_assistant_delta($1, $2::int, $3::int, $4, $5, $6)",
                   {job, std::to_string(attempt), std::to_string(index), text, thread + "|" + ticket + "|",
                    protocol::encode_assistant_delta(thread, job, index, text)});
}

}  // namespace

TEST_CASE("deltas committed while a subscription is set up are in its assistant.snapshot once, later ones follow",
          "[pg][realtime][assistant]") {
  OneThread t;
  auto& [url, db, user, thread] = t;
  insert_message(db, thread, user, "my brakes squeal");  // its job is queued (no worker runs here): run it by hand
  auto job = db.scalar("UPDATE assistant_jobs SET status = 'running', attempts = 1 WHERE thread_id = $1 RETURNING id",
                       {thread});
  auto delta = [&](int index, int attempt = 1) { return publish_delta(db, job, thread, "", index, attempt); };
  REQUIRE(delta(0) == "t");
  REQUIRE(delta(1) == "t");

  Core core(url);
  RecordingSink witness_sink;  // live on the thread: once it has a delta, the hub has offered it to every subscription
  auto witness = core.open(user, "customer", witness_sink);
  core.call(*witness, realtime::calls::Subscribe{"w", "thread:" + thread, std::nullopt});
  REQUIRE(core.pump_until([&] { return witness_sink.find("subscribed", "w") != nullptr; }));
  REQUIRE(witness_sink.find("assistant_snapshot"));
  CHECK(witness_sink.find("assistant_snapshot")->seq == 1);

  RecordingSink sink;
  sink.room = false;  // the set-up (registered, buffering) stops at its replay until the test lets it go on
  auto s = core.open(user, "customer", sink);
  core.call(*s, realtime::calls::Subscribe{"r", "thread:" + thread, int64_t{0}});
  REQUIRE(core.pump_until([&] { return sink.room_asks > 0; }));
  REQUIRE(delta(2) == "t");
  REQUIRE(delta(3) == "t");
  REQUIRE(core.pump_until([&] { return witness_sink.count("assistant") == 2; }));  // offered to the set-up's buffer
  sink.room = true;
  REQUIRE(core.pump_until([&] { return sink.find("assistant_snapshot") != nullptr; }));
  // A listener that lags the read: an event the read already holds (committed before it, xid 1 here) can reach the
  // subscription after it went live, since PostgreSQL signals listeners only after the commit is visible. It is
  // dropped. The witness's filter ended with the first event its own read did not hold, so the witness gets it.
  core.fanout.on_assistant(thread, "", 1, protocol::encode_assistant_delta(thread, job, 3, "d3 "));
  REQUIRE(core.pump_until([&] { return witness_sink.count("assistant") == 3; }));
  REQUIRE(delta(4) == "t");
  REQUIRE(core.pump_until([&] { return sink.count("assistant") >= 1 && witness_sink.count("assistant") == 4; }));

  // subscribed, the snapshot with 0..3 (2 and 3 were committed before it was read), then only 4 (not the lagging 3).
  std::vector<std::string> order;
  for (const auto& r : sink.records) {
    if (r.kind == "subscribed" || r.kind == "assistant_snapshot" || r.kind == "assistant") order.push_back(r.kind);
  }
  CHECK(order == std::vector<std::string>{"subscribed", "assistant_snapshot", "assistant"});
  const auto* snap = sink.find("assistant_snapshot");
  CHECK(snap->seq == 3);
  CHECK(snap->text == "d0 d1 d2 d3 ");
  CHECK(snap->ref == job);  // the turn_id
  CHECK(sink.find("assistant")->text.find(R"("index":4,)") != std::string::npos);

  // A delta of another attempt (a worker that lost its claim) is neither stored nor published.
  CHECK(delta(5, 2) == "f");
  // The turn's stored deltas go when it ends.
  db.exec("UPDATE assistant_jobs SET status = 'done', finished_at = now() WHERE id = $1", {job});
  CHECK(db.scalar("SELECT count(*) FROM assistant_deltas WHERE job_id = $1", {job}) == "0");
  CHECK(sink.count("error") == 0);
  s->close();
  witness->close();
}

TEST_CASE("a session on the thread's ticket gets the events held back while it subscribes to the thread, once",
          "[pg][realtime][assistant]") {
  auto url = migrated_db();
  Db db(url);
  auto customer = make_profile(db);
  auto tech = make_profile(db, "technician");
  auto ticket = random_uuid();
  db.exec("INSERT INTO support_tickets (id, ticket_number, customer_name, issue_summary, assigned_technician) "
          "VALUES ($1, $2, 'Test', 'Squeal', $3)",
          {ticket, "TP-" + ticket.substr(0, 8), tech});
  auto thread = random_uuid();
  db.exec("INSERT INTO conversation_threads (id, user_id, title, ticket_id) VALUES ($1, $2, 'Brakes', $3)",
          {thread, customer, ticket});
  insert_message(db, thread, customer, "my brakes squeal");
  auto job = db.scalar("UPDATE assistant_jobs SET status = 'running', attempts = 1 WHERE thread_id = $1 RETURNING id",
                       {thread});

  Core core(url);
  RecordingSink witness_sink;  // live on the thread: once it has a delta, the hub has offered it to everyone
  auto witness = core.open(customer, "customer", witness_sink);
  core.call(*witness, realtime::calls::Subscribe{"w", "thread:" + thread, std::nullopt});
  REQUIRE(core.pump_until([&] { return witness_sink.find("subscribed", "w") != nullptr; }));

  RecordingSink sink;
  auto s = core.open(tech, "technician", sink);
  core.call(*s, realtime::calls::Subscribe{"k", "ticket:" + ticket, std::nullopt});
  REQUIRE(core.pump_until([&] { return sink.find("subscribed", "k") != nullptr; }));
  REQUIRE(publish_delta(db, job, thread, ticket, 0) == "t");
  REQUIRE(core.pump_until([&] { return sink.count("assistant") == 1; }));  // through the ticket

  // The thread's set-up stops at its replay; meanwhile delta 1 is held back from the ticket for it, and the turn
  // ends (by SQL: no event), so the set-up's read finds no running turn and sends no snapshot.
  sink.room = false;
  core.call(*s, realtime::calls::Subscribe{"t", "thread:" + thread, int64_t{0}});
  REQUIRE(core.pump_until([&] { return sink.room_asks > 0; }));
  REQUIRE(publish_delta(db, job, thread, ticket, 1) == "t");
  REQUIRE(core.pump_until([&] { return witness_sink.count("assistant") == 2; }));
  CHECK(sink.count("assistant") == 1);  // held back
  db.exec("UPDATE assistant_jobs SET status = 'done', finished_at = now() WHERE id = $1", {job});
  sink.room = true;
  REQUIRE(core.pump_until([&] { return sink.find("subscribed", "t") != nullptr; }));

  // The client followed the turn through the ticket: delta 1 is not lost (the read holds it, but no snapshot
  // replaced the turn), and nothing came twice.
  CHECK(sink.find("assistant_snapshot") == nullptr);
  CHECK(sink.count("assistant") == 2);
  CHECK(sink.count("error") == 0);
  s->close();
  witness->close();
}

TEST_CASE("a tp_assistant payload without an xid (a node of a release before 011) is delivered, never dropped",
          "[pg][realtime][assistant]") {
  OneThread t;
  auto& [url, db, user, thread] = t;
  Core core(url);
  RecordingSink sink;
  auto s = core.open(user, "customer", sink);
  core.call(*s, realtime::calls::Subscribe{"w", "thread:" + thread, std::nullopt});
  REQUIRE(core.pump_until([&] { return sink.find("subscribed", "w") != nullptr; }));
  auto job = random_uuid();
  db.exec("SELECT pg_notify('tp_assistant', $1)",
          {thread + "||" + protocol::encode_assistant_delta(thread, job, 0, "old | node ")});
  REQUIRE(core.pump_until([&] { return sink.count("assistant") == 1; }));
  CHECK(sink.find("assistant")->text.find("old | node ") != std::string::npos);
  s->close();
}
