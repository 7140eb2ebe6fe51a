// The realtime core (gateway/realtime) against a real PostgreSQL, without a socket (core_harness.hpp): the
// subscribe/replay race, revocation, idempotent send, the in-flight bound, the conversation and HTTP API calls.
#include "pg/core_harness.hpp"
#include "protocol/events.hpp"

using namespace techpulse;
using namespace techpulse::test;
using namespace techpulse::test::core_harness;
using namespace techpulse::gateway;
namespace asio = boost::asio;

TEST_CASE("rows committed while a replay is set up arrive once, in order, after subscribed", "[pg][realtime]") {
  OneThread t;
  auto& [url, db, user, thread] = t;
  for (int i = 1; i <= 3; ++i) insert_message(db, thread, user, "before " + std::to_string(i));

  Core core(url);
  // A witness already live on the thread: once it has a message, the hub has offered it to every subscription.
  RecordingSink witness_sink;
  auto witness = core.open(user, "customer", witness_sink);
  core.call(*witness, realtime::calls::Subscribe{"w", "thread:" + thread, std::nullopt});
  REQUIRE(core.pump_until([&] { return witness_sink.find("subscribed", "w") != nullptr; }));

  RecordingSink sink;
  sink.room = false;  // the replay stops before its first message until the test lets it go on
  auto s = core.open(user, "customer", sink);
  core.call(*s, realtime::calls::Subscribe{"r", "thread:" + thread, int64_t{0}});
  // Once the set-up asks for room it has read its first page (messages 1-3) and waits: commit three more rows.
  REQUIRE(core.pump_until([&] { return sink.room_asks > 0; }));
  for (int i = 1; i <= 3; ++i) insert_message(db, thread, user, "during " + std::to_string(i));
  REQUIRE(core.pump_until([&] { return witness_sink.count("message") == 3; }));
  CHECK(sink.count("replayed") == 0);
  CHECK(sink.find("subscribed") == nullptr);
  sink.room = true;
  REQUIRE(core.pump_until([&] { return sink.count("replayed") + sink.count("message") >= 6; }));

  // replayed 1..k, subscribed(k), then live k+1..6: every seq once, in order, nothing live before subscribed.
  std::vector<int64_t> seqs;
  bool live = false;
  int64_t cursor = -1;
  for (const auto& r : sink.records) {
    if (r.kind == "replayed") {
      CHECK_FALSE(live);
      seqs.push_back(r.seq);
    } else if (r.kind == "subscribed") {
      live = true;
      cursor = r.seq;
    } else if (r.kind == "message") {
      CHECK(live);
      CHECK(r.seq > cursor);
      seqs.push_back(r.seq);
    }
  }
  CHECK(live);
  CHECK(seqs == std::vector<int64_t>{1, 2, 3, 4, 5, 6});
  CHECK(cursor == static_cast<int64_t>(sink.count("replayed")));
  CHECK(sink.count("error") == 0);
  s->close();
  witness->close();
}

TEST_CASE("a subscription whose access is withdrawn is revoked and gets nothing more", "[pg][realtime]") {
  OneThread t;
  auto& [url, db, user, thread] = t;
  auto other = make_profile(db);
  auto admin = make_profile(db, "admin");

  Core core(url);
  RecordingSink admin_sink, sink;
  auto a = core.open(admin, "admin", admin_sink);
  auto s = core.open(user, "customer", sink);
  core.call(*a, realtime::calls::Subscribe{"a", "thread:" + thread, std::nullopt});
  core.call(*s, realtime::calls::Subscribe{"s", "thread:" + thread, std::nullopt});
  REQUIRE(core.pump_until([&] { return admin_sink.find("subscribed") && sink.find("subscribed"); }));

  db.exec("UPDATE conversation_threads SET user_id = $1 WHERE id = $2", {other, thread});
  REQUIRE(core.pump_until([&] { return sink.find("unsubscribed") != nullptr; }));
  const auto* u = sink.find("unsubscribed");
  CHECK(u->ref.empty());
  CHECK(u->topic == "thread:" + thread);
  CHECK(u->text == "forbidden");
  CHECK(s->subscription_count() == 0);

  insert_message(db, thread, other, "after the revocation");
  REQUIRE(core.pump_until([&] { return admin_sink.count("message") == 1; }));
  CHECK(sink.count("message") == 0);
  // And a new subscription is refused.
  core.call(*s, realtime::calls::Subscribe{"again", "thread:" + thread, std::nullopt});
  REQUIRE(core.pump_until([&] { return sink.find("error", "again") != nullptr; }));
  CHECK(sink.find("error", "again")->code == realtime::ErrorCode::forbidden);
  s->close();
  a->close();
}

TEST_CASE("a send repeated with its client_msg_id is stored once and acked twice", "[pg][realtime]") {
  OneThread t;
  auto& [url, db, user, thread] = t;
  Core core(url);
  RecordingSink sink;
  auto s = core.open(user, "customer", sink);
  realtime::calls::Send send{"1", thread, "hello once", "text", "{}", "client-42"};
  s->send(send);
  REQUIRE(core.pump_until([&] { return sink.count("ack") == 1; }));
  send.ref = "2";
  s->send(send);
  REQUIRE(core.pump_until([&] { return sink.count("ack") == 2; }));
  const auto* first = sink.find("ack", "1");
  const auto* second = sink.find("ack", "2");
  CHECK_FALSE(first->duplicate);
  CHECK(second->duplicate);
  CHECK(first->text == second->text);  // the same message id
  CHECK(first->seq == second->seq);
  CHECK(db.scalar("SELECT count(*) FROM chat_messages WHERE thread_id = $1", {thread}) == "1");
  CHECK(s->sends_in_flight() == 0);
  s->close();
}

TEST_CASE("sends past the in-flight bound are refused until their acks come back", "[pg][realtime]") {
  OneThread t;
  auto& [url, db, user, thread] = t;
  Core core(url);
  RecordingSink sink;
  auto s = core.open(user, "customer", sink);
  // The acks come back through the loop, which does not run during these calls: all of them are in flight.
  const size_t bound = realtime::Session::kMaxSendsInFlight;
  for (size_t i = 0; i < bound; ++i) {
    s->send(realtime::calls::Send{std::to_string(i), thread, "m" + std::to_string(i), "text", "{}", {}});
  }
  CHECK(s->sends_in_flight() == bound);
  s->send(realtime::calls::Send{"over", thread, "one too many", "text", "{}", {}});
  const auto* refused = sink.find("error", "over");
  REQUIRE(refused != nullptr);
  CHECK(refused->code == realtime::ErrorCode::rate_limited);
  CHECK(s->sends_in_flight() == bound);

  REQUIRE(core.pump_until([&] { return sink.count("ack") == bound; }));
  CHECK(s->sends_in_flight() == 0);
  CHECK(sink.count("error") == 1);
  CHECK(db.scalar("SELECT count(*) FROM chat_messages WHERE thread_id = $1", {thread}) == std::to_string(bound));
  s->send(realtime::calls::Send{"after", thread, "room again", "text", "{}", {}});
  REQUIRE(core.pump_until([&] { return sink.find("ack", "after") != nullptr; }));
  s->close();
}

TEST_CASE("conversation operations: the core answers edit, delete, read and search from the SQL rules", "[pg][realtime]") {
  OneThread t;
  auto& [url, db, user, thread] = t;
  auto stranger = make_profile(db);
  insert_message(db, thread, user, "the coolant light is on");
  auto id = db.scalar("SELECT id FROM chat_messages WHERE thread_id = $1", {thread});
  Core core(url);
  RecordingSink owner_sink, other_sink;
  auto owner = core.open(user, "customer", owner_sink);
  auto other = core.open(stranger, "customer", other_sink);
  namespace calls = realtime::calls;

  core.call(*other, calls::MessageEdit{"e1", id, "hijacked"});
  core.call(*other, calls::MessageDelete{"d1", id});
  core.call(*other, calls::Read{"r1", thread, 1});
  core.call(*other, calls::Search{"s1", "coolant", thread, 20, ""});
  REQUIRE(core.pump_until([&] { return other_sink.count("error") == 4; }));
  CHECK(other_sink.find("error", "e1")->code == realtime::ErrorCode::not_found);
  CHECK(other_sink.find("error", "d1")->code == realtime::ErrorCode::not_found);
  CHECK(other_sink.find("error", "r1")->code == realtime::ErrorCode::forbidden);
  CHECK(other_sink.find("error", "s1")->code == realtime::ErrorCode::not_found);
  CHECK(db.scalar("SELECT content FROM chat_messages WHERE id = $1", {id}) == "the coolant light is on");

  core.call(*owner, calls::MessageEdit{"e2", id, "the coolant light is blinking"});
  REQUIRE(core.pump_until([&] { return owner_sink.find("edit_ack", "e2") != nullptr; }));
  CHECK(owner_sink.find("edit_ack", "e2")->seq == 2);  // the change's cursor, after message 1
  core.call(*owner, calls::Read{"r2", thread, 99});
  REQUIRE(core.pump_until([&] { return owner_sink.find("read", "r2") != nullptr; }));
  CHECK(owner_sink.find("read", "r2")->seq == 2);  // at most the thread's newest cursor
  core.call(*owner, calls::Search{"s2", "blinking", "", 20, ""});
  REQUIRE(core.pump_until([&] { return owner_sink.find("search_results", "s2") != nullptr; }));
  CHECK(owner_sink.find("search_results", "s2")->seq == 1);
  // since 0 replays the message (edited already) and then its edit, in cursor order, before subscribed.
  core.call(*owner, calls::Subscribe{"sub", "thread:" + thread, int64_t{0}});
  REQUIRE(core.pump_until([&] { return owner_sink.find("subscribed", "sub") != nullptr; }));
  std::vector<std::pair<std::string, int64_t>> replay;
  for (const auto& r : owner_sink.records) {
    if (r.kind == "replayed" || r.kind == "replayed_updated") replay.emplace_back(r.kind, r.seq);
  }
  CHECK(replay == std::vector<std::pair<std::string, int64_t>>{{"replayed", 1}, {"replayed_updated", 2}});
  CHECK(owner_sink.find("subscribed", "sub")->seq == 2);
  core.call(*owner, calls::MessageDelete{"d2", id});
  REQUIRE(core.pump_until([&] { return owner_sink.find("delete_ack", "d2") != nullptr; }));
  core.call(*owner, calls::MessageEdit{"e3", id, "back again"});
  REQUIRE(core.pump_until([&] { return owner_sink.find("error", "e3") != nullptr; }));
  CHECK(owner_sink.find("error", "e3")->code == realtime::ErrorCode::conflict);
}

TEST_CASE("the HTTP API's calls: history read forward, one thread and one message, each for its readers only",
          "[pg][realtime]") {
  OneThread t;
  auto& [url, db, user, thread] = t;
  auto other = make_profile(db);
  auto others_thread = make_thread(db, other);
  for (int i = 1; i <= 5; ++i) insert_message(db, thread, user, "m" + std::to_string(i));
  const auto first_id = db.scalar("SELECT id FROM chat_messages WHERE thread_id = $1 AND seq = 1", {thread});
  Core core(url);
  RecordingSink sink;
  auto s = core.open(user, "customer", sink);

  realtime::calls::History fwd{"f", thread, std::nullopt, 2, int64_t{1}};
  core.call(*s, fwd);
  REQUIRE(core.pump_until([&] { return sink.find("history", "f"); }));
  const auto* page = sink.find("history", "f");
  CHECK(page->text.find("\"m2\"") != std::string::npos);
  CHECK(page->text.find("\"m3\"") != std::string::npos);
  CHECK(page->text.find("\"m4\"") == std::string::npos);
  CHECK(page->duplicate);  // more after
  CHECK(page->seq == 3);   // the newest cursor of the page: the next `after`
  realtime::calls::History rest{"r", thread, std::nullopt, 50, int64_t{3}};
  core.call(*s, rest);
  REQUIRE(core.pump_until([&] { return sink.find("history", "r"); }));
  CHECK_FALSE(sink.find("history", "r")->duplicate);
  CHECK(sink.find("history", "r")->seq == 5);

  core.call(*s, realtime::calls::ThreadGet{"tg", thread});
  core.call(*s, realtime::calls::ThreadGet{"tx", others_thread});
  core.call(*s, realtime::calls::MessageGet{"mg", first_id});
  REQUIRE(core.pump_until([&] { return sink.find("thread", "tg") && sink.find("error", "tx") && sink.find("message", "mg"); }));
  CHECK(sink.find("thread", "tg")->text.find(thread) != std::string::npos);
  CHECK(sink.find("error", "tx")->code == realtime::ErrorCode::forbidden);
  CHECK(sink.find("message", "mg")->text.find("\"m1\"") != std::string::npos);

  // Another user asking for that message learns nothing: not found, as for an id that does not exist.
  RecordingSink their_sink;
  auto them = core.open(other, "customer", their_sink);
  core.call(*them, realtime::calls::MessageGet{"x", first_id});
  core.call(*them, realtime::calls::MessageGet{"y", random_uuid()});
  REQUIRE(core.pump_until([&] { return their_sink.find("error", "x") && their_sink.find("error", "y"); }));
  CHECK(their_sink.find("error", "x")->code == realtime::ErrorCode::not_found);
  CHECK(their_sink.find("error", "x")->text == their_sink.find("error", "y")->text);
  s->close();
  them->close();
}
