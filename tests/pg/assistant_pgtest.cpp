// The assistant's storage against a real PostgreSQL: retrieval quality on the demo knowledge base, the vehicle
// boost, the job trigger, the claim (one turn at a time per thread, SKIP LOCKED, lease expiry) and cancel.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

#include "ai/provider.hpp"
#include "storage/assistant_store.hpp"
#include "support/pg_support.hpp"

using namespace techpulse;
using namespace techpulse::test;
namespace asio = boost::asio;
using storage::AssistantStore;
using storage::Millis;

namespace {

std::string kb_db() {
  return migrated_database("tp_test_assistant", [](const std::string& u) {
    exec_sql_file(u, std::string(TECHPULSE_SOURCE_DIR) + "/deploy/demo/knowledge_base.sql");
    exec_sql_file(u, std::string(TECHPULSE_SOURCE_DIR) + "/deploy/demo/demo_data.sql");
  });
}

template <class T>
T run_sync(asio::io_context& ioc, asio::awaitable<T> op) {
  auto fut = asio::co_spawn(ioc, std::move(op), asio::use_future);
  ioc.restart();
  while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    ioc.run_one_for(std::chrono::milliseconds(100));
  }
  return fut.get();
}

// One connection of the code under test, driven synchronously.
struct Conn {
  asio::io_context ioc{1};
  storage::PgConn conn;
  explicit Conn(const std::string& url) : conn(ioc.get_executor(), url) {
    auto err = run_sync(ioc, conn.connect(Millis{5000}));
    if (err) throw std::runtime_error(err->message);
  }
  storage::Retrieval search(const std::string& q, const std::string& vehicle = {}, int limit = 5) {
    auto r = run_sync(ioc, AssistantStore::search(conn, q, vehicle, limit, Millis{10000}));
    if (!r.ok()) throw std::runtime_error(r.error.message);
    return *r.value;
  }
  std::optional<storage::ClaimedJob> claim(const std::string& worker, int lease_ms, int max_attempts = 3) {
    storage::Lease lease{worker, Millis{lease_ms}};
    auto r = run_sync(ioc, AssistantStore::claim(conn, lease, max_attempts, Millis{5000}));
    if (!r.ok()) throw std::runtime_error(r.error.message);
    return *r.value;
  }
};

std::string kb(int n) { return fmt::format("b0000000-0000-4000-8000-{:012d}", n); }

struct Question {
  int article;
  const char* text;
};

// How customers write: symptoms in their own words, rarely the article's title.
const std::vector<Question> kQuestions = {
    {1, "engine is shaking at idle and my code reader shows P0300"},
    {2, "I got code P0302, how do I tell if it is the coil or the plug on cylinder 2?"},
    {3, "the check engine light is blinking while I drive, can I keep driving?"},
    {4, "got a P0420 code, do I need a new catalytic converter?"},
    {5, "scanner says P0171 system too lean bank 1, what does that mean"},
    {6, "heater only blows lukewarm and the temp gauge stays low, code P0128"},
    {7, "check engine light came on right after I filled up, could it be the gas cap"},
    {8, "car stalls once it is warmed up and won't restart until it cools down"},
    {9, "could a dirty mass airflow sensor make it hesitate when I step on the gas?"},
    {10, "transmission stuck in one gear and the dash says limp mode"},
    {11, "my brakes squeal really loud every time I stop"},
    {12, "steering wheel shakes when I brake coming off the highway"},
    {13, "brake pedal feels soft and sinks almost to the floor"},
    {14, "ABS and traction control lights both came on together"},
    {15, "car won't start, just rapid clicking when I turn the key"},
    {16, "battery light came on while driving and the headlights are getting dim"},
    {17, "my Outback's battery keeps dying overnight even though it is new"},
    {18, "tire pressure light came on after a cold night but the tires look fine"},
    {19, "how often should I rotate my tires? the fronts wear faster"},
    {20, "car pulls to the right on a straight road"},
    {21, "temperature gauge went into the red and there is steam from under the hood"},
    {22, "how often do I need an oil change, and what does the red oil can light mean?"},
    {23, "my F-150 transmission slips and shifts hard"},
    {24, "the Rogue judders when I accelerate from a stop, is the CVT going?"},
    {25, "AC in my Civic is blowing warm air"},
    {26, "whining noise when I turn the wheel and the steering feels heavy"},
    {27, "squealing from the engine bay on cold mornings, belt?"},
    {28, "clunk from the front end when I go over bumps"},
    {29, "humming noise that gets louder the faster I go"},
    {30, "my hybrid won't start, is it the 12 volt battery or the big one?"},
    {31, "my Model 3 won't start charging at home"},
    {32, "DPF light keeps coming on in my diesel Golf"},
    {33, "wipers leave streaks and the washer fluid won't spray"},
    {34, "headlights are dim and yellowed at night"},
    {35, "when should the spark plugs be replaced on my Camry?"},
    {36, "engine sputters and loses power going uphill, fuel pump?"},
    {37, "single click when I turn the key and the engine doesn't crank"},
    {38, "when does the timing belt need replacing?"},
    {39, "ticking from my Silverado's 5.3 V8 and the oil pressure gauge drops"},
};

}  // namespace

TEST_CASE("retrieval puts the expected demo article in the top 3 for at least 85% of customer questions",
          "[pg][assistant][retrieval]") {
  Conn c(kb_db());
  int hits = 0;
  std::vector<std::string> misses;
  for (const auto& q : kQuestions) {
    auto r = c.search(q.text, {}, 3);
    bool hit = false;
    for (const auto& p : r.passages) hit = hit || p.id == kb(q.article);
    if (hit) {
      ++hits;
    } else {
      misses.push_back(fmt::format("{:02d}: {}", q.article, q.text));
    }
  }
  double rate = static_cast<double>(hits) / static_cast<double>(kQuestions.size());
  std::printf("retrieval top-3 hit rate: %d/%zu = %.1f%%\n", hits, kQuestions.size(), rate * 100.0);
  for (const auto& m : misses) std::printf("  missed %s\n", m.c_str());
  REQUIRE(kQuestions.size() >= 25);
  CHECK(rate >= 0.85);
}

TEST_CASE("articles about the thread's vehicle rank higher, and only for the matching years",
          "[pg][assistant][retrieval]") {
  Conn c(kb_db());
  // A generic misfire question: the Camry plugs article (35) is specific to Camry 2012-2017.
  auto generic = c.search("engine misfire, do I need new spark plugs?", {}, 5);
  auto camry = c.search("engine misfire, do I need new spark plugs?", "2015 Toyota Camry LE 2.5L", 5);
  auto old_camry = c.search("engine misfire, do I need new spark plugs?", "2005 Toyota Camry LE", 5);
  auto pos = [](const storage::Retrieval& r, const std::string& id) {
    for (size_t i = 0; i < r.passages.size(); ++i) {
      if (r.passages[i].id == id) return static_cast<int>(i);
    }
    return 99;
  };
  REQUIRE(pos(camry, kb(35)) == 0);
  CHECK(camry.passages[0].vehicle_match);
  CHECK(pos(generic, kb(35)) >= pos(camry, kb(35)));
  CHECK_FALSE(old_camry.passages.empty());
  for (const auto& p : old_camry.passages) CHECK_FALSE(p.vehicle_match);

  Db db(kb_db());
  CHECK(db.scalar("SELECT tp_vehicle_matches('Nissan Rogue 2014-2020 (CVT)', '2016 Nissan Rogue SV')") == "t");
  CHECK(db.scalar("SELECT tp_vehicle_matches('Nissan Rogue 2014-2020 (CVT)', '2013 Nissan Rogue SV')") == "f");
  CHECK(db.scalar("SELECT tp_vehicle_matches('Ford F-150 2015-2020', 'Ford F-150')") == "t");
  CHECK(db.scalar("SELECT tp_vehicle_matches('Ford F-150 2015-2020', '2017 Ford Ranger')") == "f");
  // The vehicle of a demo thread comes from its support ticket.
  CHECK(db.scalar("SELECT tp_thread_vehicle('e0000000-0000-4000-8000-000000000004')").find("Nissan Rogue") !=
        std::string::npos);
}

TEST_CASE("a question the knowledge base cannot answer gets a plain low-confidence answer suggesting a technician",
          "[pg][assistant][retrieval]") {
  Conn c(kb_db());
  auto r = c.search("can I pay with a gift card on saturday?");
  double conf = ai::confidence_from(r);
  CHECK(conf <= 0.2);
  storage::TurnInput turn;
  turn.question = "can I pay with a gift card on saturday?";
  ai::TurnRequest req{turn, r, conf, !r.passages.empty() && r.passages.front().score >= ai::kRelevantScore};
  CHECK_FALSE(req.relevant);
  auto text = ai::compose_extractive(req);
  CHECK(text.find("could not find") != std::string::npos);
  CHECK(text.find("technician") != std::string::npos);
  CHECK(ai::cited_passages(req).empty());

  auto good = c.search("car won't start, just rapid clicking when I turn the key");
  ai::TurnRequest good_req{turn, good, ai::confidence_from(good), true};
  CHECK(good_req.confidence >= 0.5);
  auto answer = ai::compose_extractive(good_req);
  CHECK(answer.find("[1]") != std::string::npos);
  CHECK(answer.find(good.passages[0].title) != std::string::npos);
  CHECK(answer == ai::compose_extractive(good_req));  // deterministic
}

TEST_CASE("a user message creates a job only when the thread's assistant is on, and only for role=user",
          "[pg][assistant][jobs]") {
  Db db(kb_db());
  auto user = make_profile(db);
  auto on = make_thread(db, user);
  auto off = make_thread(db, user);
  db.exec("UPDATE conversation_threads SET assistant_enabled = false WHERE id = $1", {off});
  auto insert = [&](const std::string& thread, const std::string& role, const std::string& content) {
    return db.scalar("INSERT INTO chat_messages (thread_id, sender_id, role, content) VALUES ($1, $2, $3, $4) RETURNING id",
                     {thread, role == "assistant" ? std::nullopt : std::optional<std::string>(user), role, content});
  };
  auto m1 = insert(on, "user", "hello");
  insert(on, "assistant", "hi");
  insert(on, "system", "note");
  insert(off, "user", "hello?");
  db.exec("INSERT INTO chat_messages (thread_id, sender_id, role, content, created_at) VALUES ($1, $2, 'user', "
          "'imported', now() - interval '1 day')",
          {on, user});
  CHECK(db.scalar("SELECT count(*) FROM assistant_jobs WHERE thread_id = $1", {on}) == "1");
  CHECK(db.scalar("SELECT message_id FROM assistant_jobs WHERE thread_id = $1", {on}) == m1);
  CHECK(db.scalar("SELECT count(*) FROM assistant_jobs WHERE thread_id = $1", {off}) == "0");
  db.exec("DELETE FROM assistant_jobs WHERE thread_id = $1", {on});
}

TEST_CASE("claims run one turn at a time per thread, in message order, and take over an expired lease",
          "[pg][assistant][jobs]") {
  Db db(kb_db());
  db.exec("UPDATE assistant_jobs SET status = 'done' WHERE status IN ('queued', 'running')");
  auto user = make_profile(db);
  auto t1 = make_thread(db, user);
  auto t2 = make_thread(db, user);
  std::vector<std::string> t1_msgs;
  for (int i = 0; i < 3; ++i) {
    t1_msgs.push_back(db.scalar(
        "INSERT INTO chat_messages (thread_id, sender_id, role, content) VALUES ($1, $2, 'user', $3) RETURNING id",
        {t1, user, "q" + std::to_string(i)}));
  }
  auto t2_msg = db.scalar(
      "INSERT INTO chat_messages (thread_id, sender_id, role, content) VALUES ($1, $2, 'user', 'x') RETURNING id",
      {t2, user});

  Conn a(kb_db()), b(kb_db());
  auto j1 = a.claim("a", 60000);
  REQUIRE(j1);
  CHECK(j1->message_id == t1_msgs[0]);
  CHECK(j1->attempt == 1);
  auto j2 = b.claim("b", 60000);
  REQUIRE(j2);
  CHECK(j2->message_id == t2_msg);  // t1's next message waits for its first turn
  CHECK_FALSE(b.claim("b", 60000));
  CHECK(db.scalar("SELECT count(*) FROM assistant_jobs WHERE thread_id = $1 AND status = 'running'", {t1}) == "1");

  // The worker of t1's turn dies: after its lease, the same turn is claimed again (attempt 2), not the next one.
  db.exec("UPDATE assistant_jobs SET lease_until = now() - interval '1 second' WHERE id = $1", {j1->id});
  auto again = b.claim("b", 60000);
  REQUIRE(again);
  CHECK(again->id == j1->id);
  CHECK(again->attempt == 2);
  // The first worker's late heartbeat finds that the job is no longer its own.
  storage::Lease lease_a{"a", Millis{60000}};
  auto hb = run_sync(a.ioc, AssistantStore::heartbeat(a.conn, *j1, lease_a, Millis{5000}));
  REQUIRE(hb.ok());
  CHECK_FALSE(hb.value->has_value());

  // Out of attempts: the sweep marks it failed, with its reason, and the thread's next turn becomes claimable.
  db.exec("UPDATE assistant_jobs SET lease_until = now() - interval '1 second', attempts = 3 WHERE id = $1", {j1->id});
  auto swept = run_sync(a.ioc, AssistantStore::sweep(a.conn, 3, Millis{5000}));
  REQUIRE(swept.ok());
  CHECK(*swept.value >= 1);
  CHECK(db.scalar("SELECT status FROM assistant_jobs WHERE id = $1", {j1->id}) == "failed");
  CHECK(db.scalar("SELECT error FROM assistant_jobs WHERE id = $1", {j1->id}).find("gave up after 3 attempts") !=
        std::string::npos);
  auto next = a.claim("a", 60000);
  REQUIRE(next);
  CHECK(next->message_id == t1_msgs[1]);
  db.exec("UPDATE assistant_jobs SET status = 'done' WHERE thread_id IN ($1, $2)", {t1, t2});
}

TEST_CASE("many concurrent claimers never run two turns of one thread at once and claim each job once",
          "[pg][assistant][jobs]") {
  Db db(kb_db());
  db.exec("UPDATE assistant_jobs SET status = 'done' WHERE status IN ('queued', 'running')");
  auto user = make_profile(db);
  std::vector<std::string> threads;
  for (int t = 0; t < 5; ++t) threads.push_back(make_thread(db, user));
  for (int i = 0; i < 4; ++i) {
    for (auto& t : threads) {
      db.exec("INSERT INTO chat_messages (thread_id, sender_id, role, content) VALUES ($1, $2, 'user', 'q')", {t, user});
    }
  }
  std::atomic<int> claimed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 6; ++w) {
    workers.emplace_back([&, w] {
      Conn c(kb_db());
      Db mine(kb_db());
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (std::chrono::steady_clock::now() < deadline) {
        auto j = c.claim("w" + std::to_string(w), 60000);
        if (!j) {
          if (mine.scalar("SELECT count(*) FROM assistant_jobs WHERE status IN ('queued', 'running')") == "0") break;
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          continue;
        }
        ++claimed;
        mine.exec("UPDATE assistant_jobs SET status = 'done', finished_at = clock_timestamp() WHERE id = $1", {j->id});
      }
    });
  }
  for (auto& w : workers) w.join();
  CHECK(claimed.load() == 20);
  CHECK(db.scalar("SELECT count(*) FROM assistant_jobs j JOIN conversation_threads t ON t.id = j.thread_id "
                  "WHERE t.user_id = $1 AND j.attempts = 1 AND j.status = 'done'",
                  {user}) == "20");
}

TEST_CASE("cancel asks a running turn to stop, ends a queued one, and refuses a user who may not write the thread",
          "[pg][assistant][jobs]") {
  Db db(kb_db());
  db.exec("UPDATE assistant_jobs SET status = 'done' WHERE status IN ('queued', 'running')");
  auto user = make_profile(db);
  auto other = make_profile(db);
  auto t = make_thread(db, user);
  for (int i = 0; i < 2; ++i) {
    db.exec("INSERT INTO chat_messages (thread_id, sender_id, role, content) VALUES ($1, $2, 'user', 'q')", {t, user});
  }
  Conn c(kb_db());
  auto running = c.claim("w", 60000);
  REQUIRE(running);

  storage::PgPool pool(c.ioc.get_executor(), storage::PoolOptions{kb_db(), 1});
  auto denied = run_sync(c.ioc, storage::cancel_assistant(pool, other, t));
  REQUIRE(denied.ok());
  CHECK_FALSE(denied.value->allowed);
  CHECK(db.scalar("SELECT count(*) FROM assistant_jobs WHERE thread_id = $1 AND cancel_requested", {t}) == "0");

  auto r = run_sync(c.ioc, storage::cancel_assistant(pool, user, t));
  REQUIRE(r.ok());
  CHECK(r.value->allowed);
  CHECK(r.value->jobs == 2);
  CHECK(db.scalar("SELECT status FROM assistant_jobs WHERE id = $1", {running->id}) == "running");
  CHECK(db.scalar("SELECT cancel_requested FROM assistant_jobs WHERE id = $1", {running->id}) == "t");
  CHECK(db.scalar("SELECT count(*) FROM assistant_jobs WHERE thread_id = $1 AND status = 'cancelled'", {t}) == "1");
  storage::Lease lease{"w", Millis{60000}};
  auto hb = run_sync(c.ioc, AssistantStore::heartbeat(c.conn, *running, lease, Millis{5000}));
  REQUIRE(hb.ok());
  REQUIRE(hb.value->has_value());
  CHECK(**hb.value == true);
  db.exec("UPDATE assistant_jobs SET status = 'cancelled' WHERE thread_id = $1", {t});
}

TEST_CASE("turning the assistant off cancels the thread's queued turns", "[pg][assistant][jobs]") {
  Db db(kb_db());
  db.exec("UPDATE assistant_jobs SET status = 'done' WHERE status IN ('queued', 'running')");
  auto user = make_profile(db);
  auto t = make_thread(db, user);
  auto msg = db.scalar(
      "INSERT INTO chat_messages (thread_id, sender_id, role, content) VALUES ($1, $2, 'user', 'q') RETURNING id",
      {t, user});
  db.exec("UPDATE conversation_threads SET assistant_enabled = false WHERE id = $1", {t});
  Conn c(kb_db());
  CHECK_FALSE(c.claim("w", 60000));
  auto swept = run_sync(c.ioc, AssistantStore::sweep(c.conn, 3, Millis{5000}));
  REQUIRE(swept.ok());
  CHECK(*swept.value == 1);
  CHECK(db.scalar("SELECT status || ': ' || error FROM assistant_jobs WHERE message_id = $1", {msg}) ==
        "cancelled: the assistant was turned off in this thread");
}
