// The realtime core (gateway/realtime) against a real PostgreSQL, without a socket: sessions with a recording
// Sink, a real store and listener on their own storage thread, one loop driven by the test thread. The
// subscribe/replay race, revocation, idempotent send, the in-flight bound.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <thread>

#include "gateway/realtime/coalesced_reads.hpp"
#include "gateway/realtime/fanout.hpp"
#include "gateway/realtime/session.hpp"
#include "protocol/events.hpp"
#include "support/pg_support.hpp"

using namespace techpulse;
using namespace techpulse::test;
using namespace techpulse::gateway;
namespace asio = boost::asio;

namespace {

std::string migrated_db() {
  static std::string url = [] {
    auto u = fresh_database("tp_test_realtime");
    if (run_migrate(u) != 0) throw std::runtime_error("migrate failed");
    return u;
  }();
  return url;
}

// Everything a Sink is given, in order.
struct Record {
  explicit Record(std::string kind, std::string ref = {}, std::string topic = {}, std::string text = {})
      : kind(std::move(kind)), ref(std::move(ref)), topic(std::move(topic)), text(std::move(text)) {}
  std::string kind;  // welcome, error, subscribed, unsubscribed, replayed, message, ack, close, ...
  std::string ref, topic, text;
  int64_t seq = -1;
  realtime::ErrorCode code{};
  bool duplicate = false;
};

class RecordingSink : public realtime::Sink, public realtime::Flow {
 public:
  std::vector<Record> records;
  bool room = true;
  mutable size_t room_asks = 0;  // how often the replay asked for room

  size_t count(const std::string& kind) const {
    return std::count_if(records.begin(), records.end(), [&](const Record& r) { return r.kind == kind; });
  }
  const Record* find(const std::string& kind, const std::string& ref = {}) const {
    for (const auto& r : records) {
      if (r.kind == kind && (ref.empty() || r.ref == ref)) return &r;
    }
    return nullptr;
  }

  void welcome(const realtime::Welcome& w) override { records.push_back(Record{"welcome", {}, {}, std::string(w.user_id)}); }
  void pong(std::string_view ref) override { records.push_back(Record{"pong", std::string(ref)}); }
  void error(std::string_view ref, realtime::ErrorCode code, std::string_view message) override {
    Record r{"error", std::string(ref), {}, std::string(message)};
    r.code = code;
    records.push_back(r);
  }
  void subscribed(std::string_view ref, std::string_view topic, std::optional<int64_t> cursor) override {
    Record r{"subscribed", std::string(ref), std::string(topic)};
    r.seq = cursor.value_or(-1);
    records.push_back(r);
  }
  void unsubscribed(std::string_view ref, std::string_view topic, std::string_view reason) override {
    records.push_back(Record{"unsubscribed", std::string(ref), std::string(topic), std::string(reason)});
  }
  void replayed(std::string_view topic, int64_t seq, std::string_view json) override {
    Record r{"replayed", {}, std::string(topic), std::string(json)};
    r.seq = seq;
    records.push_back(r);
  }
  void ack(std::string_view ref, std::string_view thread, std::string_view id, int64_t cursor, std::string_view,
           bool duplicate) override {
    Record r{"ack", std::string(ref), std::string(thread), std::string(id)};
    r.seq = cursor;
    r.duplicate = duplicate;
    records.push_back(r);
  }
  void history(std::string_view ref, std::string_view, const std::vector<std::string>& messages, bool more,
               int64_t next) override {
    Record r{"history", std::string(ref)};
    for (const auto& m : messages) r.text += m + "\n";
    r.seq = next;
    r.duplicate = more;  // has_more
    records.push_back(r);
  }
  void thread(std::string_view ref, std::string_view json) override {
    records.push_back(Record{"thread", std::string(ref), {}, std::string(json)});
  }
  void message(std::string_view ref, std::string_view json) override {
    records.push_back(Record{"message", std::string(ref), {}, std::string(json)});
  }
  void threads(std::string_view ref, const std::vector<std::string>&, bool, std::string_view) override {
    records.push_back(Record{"threads", std::string(ref)});
  }
  void authenticated(std::string_view ref, int64_t) override { records.push_back(Record{"authenticated", std::string(ref)}); }
  void ticket_subscribed(std::string_view ref, std::string_view topic,
                         const std::vector<realtime::TicketThread>& threads) override {
    Record r{"subscribed", std::string(ref), std::string(topic)};
    r.seq = static_cast<int64_t>(threads.size());
    records.push_back(r);
  }
  void replayed_change(std::string_view topic, int64_t seq, bool deleted, std::string_view json) override {
    Record r{deleted ? "replayed_deleted" : "replayed_updated", {}, std::string(topic), std::string(json)};
    r.seq = seq;
    records.push_back(r);
  }
  void change_ack(std::string_view ref, bool deleted, std::string_view id, std::string_view thread, int64_t cursor,
                  std::string_view, bool duplicate) override {
    Record r{deleted ? "delete_ack" : "edit_ack", std::string(ref), std::string(thread), std::string(id)};
    r.seq = cursor;
    r.duplicate = duplicate;
    records.push_back(r);
  }
  void read(std::string_view ref, std::string_view thread, std::string_view, int64_t cursor) override {
    Record r{"read", std::string(ref), std::string(thread)};
    r.seq = cursor;
    records.push_back(r);
  }
  void presence_state(std::string_view topic, const std::vector<std::vector<std::string>>& users) override {
    Record r{"presence_state", {}, std::string(topic)};
    r.seq = static_cast<int64_t>(users.size());
    records.push_back(r);
  }
  void search_results(std::string_view ref, std::string_view, const std::vector<realtime::SearchHit>& hits, bool,
                      std::string_view) override {
    Record r{"search_results", std::string(ref)};
    r.seq = static_cast<int64_t>(hits.size());
    records.push_back(r);
  }
  void handoff(std::string_view ref, std::string_view, std::string_view ticket_id, bool, bool duplicate,
               std::string_view) override {
    Record r{"handoff", std::string(ref), {}, std::string(ticket_id)};
    r.seq = duplicate ? 1 : 0;
    records.push_back(r);
  }
  void ticket(std::string_view ref, std::string_view ticket_json, bool) override {
    records.push_back(Record{"ticket", std::string(ref), {}, std::string(ticket_json)});
  }
  void analytics(std::string_view ref, std::string_view summary_json) override {
    records.push_back(Record{"analytics", std::string(ref), {}, std::string(summary_json)});
  }
  void queue_subscribed(std::string_view ref, std::string_view topic, std::string_view tickets_json) override {
    records.push_back(Record{"queue_subscribed", std::string(ref), std::string(topic), std::string(tickets_json)});
  }
  void assistant_snapshot(std::string_view thread_id, std::string_view turn_id, std::string_view, int64_t index,
                          std::string_view text) override {
    Record r{"assistant_snapshot", std::string(turn_id), std::string(thread_id), std::string(text)};
    r.seq = index;
    records.push_back(r);
  }
  void deliver(const realtime::SharedEvent& ev) override {
    if (const auto* m = std::get_if<realtime::MessageEvent>(&ev->event())) {
      Record r{"message", {}, m->topic, m->message_json};
      r.seq = m->seq;
      records.push_back(r);
    } else if (const auto* a = std::get_if<realtime::AssistantEvent>(&ev->event())) {
      records.push_back(Record{"assistant", {}, a->thread_id, *a->v1_json});
    } else {
      records.push_back(Record{"event"});
    }
  }
  bool has_room() const override {
    ++room_asks;
    return room;
  }
  bool idle() const override { return true; }
  void notify_when_idle() override {}
  void close(realtime::CloseReason, std::string_view why) override { records.push_back(Record{"close", {}, {}, std::string(why)}); }
};

// A store and a listener on a storage thread, one loop whose io_context the test thread runs.
struct Core {
  Config cfg;
  asio::io_context db_ioc{1};
  std::vector<std::unique_ptr<realtime::Loop>> loops;
  realtime::Fanout fanout{loops};
  std::unique_ptr<storage::ChatStore> store;
  std::unique_ptr<storage::Listener> listener;
  std::atomic<size_t> live{0};
  std::unique_ptr<realtime::CoalescedReads> reads;
  std::unique_ptr<realtime::Services> svc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::thread db_thread;

  explicit Core(const std::string& url) {
    cfg.database_url = url;
    cfg.rate_limit_per_s = 0;
    loops.push_back(std::make_unique<realtime::Loop>(0));
    store = std::make_unique<storage::ChatStore>(db_ioc.get_executor(), storage::PoolOptions{url, 2},
                                                 storage::WriterOptions{2, 256});
    listener = std::make_unique<storage::Listener>(*store, fanout, url);
    reads = std::make_unique<realtime::CoalescedReads>(*store, cfg.admission_concurrency, cfg.admission_queue);
    svc = std::make_unique<realtime::Services>(
        realtime::Services{cfg, *store, *listener, live, nullptr, nullptr, reads.get()});
    store->start();
    listener->start();
    guard.emplace(asio::make_work_guard(db_ioc));
    db_thread = std::thread([this] { db_ioc.run(); });
    REQUIRE(pump_until([&] { return storage::Listener::listening(listener->epoch()); }));
  }
  ~Core() {
    asio::post(db_ioc, [this] {
      store->stop();
      listener->stop();
    });
    guard.reset();
    // Lets what the sessions still posted finish, bounded.
    loop().ioc.restart();
    loop().ioc.run_for(std::chrono::milliseconds(200));
    db_ioc.stop();
    db_thread.join();
  }
  realtime::Loop& loop() { return *loops[0]; }

  // Runs the loop until pred holds (true) or 20 s pass (false). Waits for events, not for a time.
  bool pump_until(const std::function<bool()>& pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    auto& ioc = loop().ioc;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      ioc.restart();
      ioc.run_one_for(std::chrono::milliseconds(50));
    }
    return true;
  }

  std::shared_ptr<realtime::Session> open(const std::string& user, const std::string& role, RecordingSink& sink) {
    auto s = std::make_shared<realtime::Session>(*svc, loop(), realtime::Identity{user, role, INT64_MAX / 2}, sink,
                                                sink);
    s->open();
    return s;
  }
  void call(realtime::Session& s, realtime::calls::Call c) {
    asio::co_spawn(loop().ioc, s.handle(std::move(c)), asio::detached);
  }
};

// The suite's database with one customer and their thread.
struct OneThread {
  std::string url = migrated_db();
  Db db{url};
  std::string user = make_profile(db);
  std::string thread = make_thread(db, user);
};

void insert_message(Db& db, const std::string& thread, const std::string& sender, const std::string& content) {
  db.exec("INSERT INTO chat_messages (thread_id, sender_id, role, content) VALUES ($1, $2, 'user', $3)",
          {thread, sender, content});
}

}  // namespace

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

TEST_CASE("deltas committed while a subscription is set up are in its assistant.snapshot once, later ones follow",
          "[pg][realtime][assistant]") {
  OneThread t;
  auto& [url, db, user, thread] = t;
  insert_message(db, thread, user, "my brakes squeal");  // its job is queued (no worker runs here): run it by hand
  auto job = db.scalar("UPDATE assistant_jobs SET status = 'running', attempts = 1 WHERE thread_id = $1 RETURNING id",
                       {thread});
  // A worker's delta, through the same function (stored and published in one statement).
  auto delta = [&](int index, int attempt = 1) {
    std::string text = "d" + std::to_string(index) + " ";
    return db.scalar("SELECT tp_assistant_delta($1, $2::int, $3::int, $4, $5, $6)",
                     {job, std::to_string(attempt), std::to_string(index), text, thread + "||",
                      protocol::encode_assistant_delta(thread, job, index, text)});
  };
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
  REQUIRE(delta(4) == "t");
  REQUIRE(core.pump_until([&] { return sink.count("assistant") >= 1 && witness_sink.count("assistant") == 3; }));

  // subscribed, the snapshot with 0..3 (2 and 3 were committed before it was read), then only 4.
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
