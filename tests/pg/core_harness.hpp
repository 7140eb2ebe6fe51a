#pragma once
// The realtime core (gateway/realtime) against a real PostgreSQL, without a socket: sessions with a recording
// Sink, a real store and listener on their own storage thread, one loop driven by the test thread. Shared by the
// realtime_pg suite's files.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <thread>

#include "gateway/realtime/coalesced_reads.hpp"
#include "gateway/realtime/fanout.hpp"
#include "gateway/realtime/session.hpp"
#include "support/pg_support.hpp"

namespace techpulse::test::core_harness {

using namespace techpulse::gateway;
namespace asio = boost::asio;

inline std::string migrated_db() {
  return migrated_database("tp_test_realtime");
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

inline void insert_message(Db& db, const std::string& thread, const std::string& sender, const std::string& content) {
  db.exec("INSERT INTO chat_messages (thread_id, sender_id, role, content) VALUES ($1, $2, 'user', $3)",
          {thread, sender, content});
}

}  // namespace techpulse::test::core_harness
