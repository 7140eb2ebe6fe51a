// storage against a real PostgreSQL: batched inserts, history pages, cursor order under concurrency.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

#include "protocol/uuid.hpp"
#include "storage/chat_store.hpp"
#include "support/pg_support.hpp"

using namespace techpulse;
using namespace techpulse::test;
namespace asio = boost::asio;

namespace {

std::string migrated_db() {
  return migrated_database("tp_test_store");
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

storage::NewMessage msg(const std::string& thread, const std::string& sender, const std::string& content,
                        const std::string& client_msg_id = {}) {
  return storage::NewMessage{protocol::new_uuid(), thread, sender, "user", content, "text", "{}", client_msg_id};
}

// Submits all and runs until every callback has fired.
std::vector<storage::SendOutcome> submit_all(asio::io_context& ioc, storage::ChatStore& store,
                                             std::vector<storage::NewMessage> msgs) {
  std::vector<storage::SendOutcome> out(msgs.size());
  size_t done = 0;
  for (size_t i = 0; i < msgs.size(); ++i) {
    store.submit(std::move(msgs[i]), [&, i](storage::SendOutcome o) {
      out[i] = std::move(o);
      ++done;
    });
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  ioc.restart();
  while (done < out.size() && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(std::chrono::milliseconds(100));
  REQUIRE(done == out.size());
  return out;
}

}  // namespace

TEST_CASE("history pages with before/limit/has_more return exactly the right messages", "[pg][store]") {
  auto url = migrated_db();
  Db db(url);
  auto user = make_profile(db);
  auto thread = make_thread(db, user);

  asio::io_context ioc(1);
  storage::ChatStore store(ioc.get_executor(), storage::PoolOptions{url, 2}, storage::WriterOptions{2, 8});
  store.start();
  std::vector<storage::NewMessage> msgs;
  for (int i = 1; i <= 25; ++i) msgs.push_back(msg(thread, user, "m" + std::to_string(i)));
  auto outcomes = submit_all(ioc, store, std::move(msgs));
  for (size_t i = 0; i < outcomes.size(); ++i) {
    INFO(i << " " << outcomes[i].detail);
    REQUIRE(outcomes[i].status == storage::SendOutcome::ok);
    CHECK(outcomes[i].seq == static_cast<int64_t>(i + 1));  // one thread: in submission order
  }

  auto content_of = [](const std::string& json) {
    auto p = json.find("\"content\":\"");
    auto q = json.find('"', p + 11);
    return json.substr(p + 11, q - p - 11);
  };
  auto page1 = run_sync(ioc, store.history(thread, std::nullopt, 10));
  REQUIRE(page1.ok());
  REQUIRE(page1.value->first.size() == 10);
  CHECK(page1.value->second == true);
  CHECK(page1.value->first.front().seq == 16);
  CHECK(page1.value->first.back().seq == 25);
  CHECK(content_of(page1.value->first.front().json) == "m16");

  auto page2 = run_sync(ioc, store.history(thread, page1.value->first.front().seq, 10));
  REQUIRE(page2.ok());
  REQUIRE(page2.value->first.size() == 10);
  CHECK(page2.value->second == true);
  CHECK(page2.value->first.front().seq == 6);
  CHECK(page2.value->first.back().seq == 15);

  auto page3 = run_sync(ioc, store.history(thread, page2.value->first.front().seq, 10));
  REQUIRE(page3.ok());
  REQUIRE(page3.value->first.size() == 5);
  CHECK(page3.value->second == false);
  CHECK(page3.value->first.front().seq == 1);
  CHECK(content_of(page3.value->first.front().json) == "m1");

  // Exactly a full last page: has_more is false.
  auto exact = run_sync(ioc, store.history(thread, 11, 10));
  REQUIRE(exact.ok());
  CHECK(exact.value->first.size() == 10);
  CHECK(exact.value->second == false);

  // A byte budget cuts a page short, keeping the newest, with has_more: 3 messages of ~100 bytes fit in 350.
  auto small = run_sync(ioc, store.history(thread, std::nullopt, 10, 350));
  REQUIRE(small.ok());
  REQUIRE(small.value->first.size() >= 1);
  REQUIRE(small.value->first.size() < 10);
  CHECK(small.value->second == true);
  CHECK(small.value->first.back().seq == 25);
  size_t bytes = 0;
  for (const auto& m : small.value->first) bytes += m.json.size() + 1;
  CHECK(bytes <= 350);
  // The next page starts where the short one stopped: nothing skipped.
  auto rest = run_sync(ioc, store.history(thread, small.value->first.front().seq, 10));
  REQUIRE(rest.ok());
  CHECK(rest.value->first.back().seq == small.value->first.front().seq - 1);
  // A budget smaller than one message still returns that message.
  auto one = run_sync(ioc, store.history(thread, std::nullopt, 10, 1));
  REQUIRE(one.ok());
  CHECK(one.value->first.size() == 1);
  CHECK(one.value->second == true);

  auto after = run_sync(ioc, store.messages_after(thread, 20, 100));
  REQUIRE(after.ok());
  CHECK(after.value->first.size() == 5);
  CHECK(after.value->second == 25);
  store.stop();
}

TEST_CASE("a batch stores one row per client_msg_id and refuses rows the sender may not write", "[pg][store]") {
  auto url = migrated_db();
  Db db(url);
  auto user = make_profile(db);
  auto stranger = make_profile(db);
  auto thread = make_thread(db, user);

  asio::io_context ioc(1);
  storage::ChatStore store(ioc.get_executor(), storage::PoolOptions{url, 2}, storage::WriterOptions{1, 64});
  store.start();
  auto missing_thread = random_uuid();
  auto out = submit_all(ioc, store,
                        {msg(thread, user, "first", "cm-1"), msg(thread, user, "retry", "cm-1"),
                         msg(thread, stranger, "intruder"), msg(missing_thread, user, "nowhere"),
                         msg(thread, user, "second", "cm-2")});
  CHECK(out[0].status == storage::SendOutcome::ok);
  CHECK(out[1].status == storage::SendOutcome::duplicate);
  CHECK(out[1].message_id == out[0].message_id);
  CHECK(out[2].status == storage::SendOutcome::forbidden);
  CHECK(out[3].status == storage::SendOutcome::not_found);
  CHECK(out[4].status == storage::SendOutcome::ok);

  // A retry in a later batch (as after a gateway restart) is also a duplicate naming the first row.
  auto again = submit_all(ioc, store, {msg(thread, user, "retry later", "cm-1")});
  CHECK(again[0].status == storage::SendOutcome::duplicate);
  CHECK(again[0].message_id == out[0].message_id);
  CHECK(again[0].seq == out[0].seq);

  CHECK(db.scalar("SELECT count(*) FROM chat_messages WHERE thread_id = $1", {thread}) == "2");
  CHECK(db.scalar("SELECT content FROM chat_messages WHERE client_msg_id = 'cm-1' AND thread_id = $1", {thread}) ==
        "first");
  store.stop();
}

TEST_CASE("under concurrent inserts from several connections, per-thread cursors strictly increase in commit order",
          "[pg][store]") {
  auto url = migrated_db();
  Db setup(url);
  auto user = make_profile(setup);
  auto thread = make_thread(setup, user);

  // NOTIFY is delivered in commit order: a listener sees the commit order of the inserts.
  PGconn* listener = PQconnectdb(url.c_str());
  REQUIRE(PQstatus(listener) == CONNECTION_OK);
  PQclear(PQexec(listener, "LISTEN tp_chat"));

  constexpr int kWriters = 6;
  constexpr int kEach = 150;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      Db db(url);
      for (int i = 0; i < kEach; ++i) {
        // Some transactions hold the row lock a little longer, to shuffle the commit order.
        db.exec("BEGIN");
        db.exec("INSERT INTO chat_messages (thread_id, sender_id, content) VALUES ($1, $2, $3)",
                {thread, user, "w" + std::to_string(w) + "-" + std::to_string(i)});
        if (i % 7 == w % 7) db.exec("SELECT pg_sleep(0.002)");
        db.exec("COMMIT");
      }
    });
  }
  for (auto& t : writers) t.join();

  std::vector<int64_t> seqs;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (seqs.size() < kWriters * kEach && std::chrono::steady_clock::now() < deadline) {
    PQconsumeInput(listener);
    while (PGnotify* n = PQnotifies(listener)) {
      std::string p = n->extra;
      PQfreemem(n);
      // m|<thread>|<seq>|...
      auto a = p.find('|');
      auto b = p.find('|', a + 1);
      auto c = p.find('|', b + 1);
      if (p.substr(a + 1, b - a - 1) == thread) seqs.push_back(std::stoll(p.substr(b + 1, c - b - 1)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  PQfinish(listener);
  REQUIRE(seqs.size() == kWriters * kEach);
  for (size_t i = 0; i < seqs.size(); ++i) {
    INFO("position " << i);
    REQUIRE(seqs[i] == static_cast<int64_t>(i + 1));  // strictly increasing, gap-free, in commit order
  }
  CHECK(setup.scalar("SELECT last_seq FROM conversation_threads WHERE id = $1", {thread}) ==
        std::to_string(kWriters * kEach));
}
