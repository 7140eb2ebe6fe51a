// The conversation features against a real PostgreSQL (007_conversation.sql, storage/conversation_store.*): who may
// edit and delete, the cursors of changes in the thread's order, the replay query, SQL UPDATE/DELETE, the assistant
// job on an edited or deleted message, read cursors, unread counts and search visibility.
#include <catch2/catch.hpp>
#include <sys/select.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "storage/chat_store.hpp"
#include "storage/conversation_store.hpp"
#include "support/pg_support.hpp"

using namespace techpulse;
using namespace techpulse::test;
namespace asio = boost::asio;
using storage::MessageChange;
using storage::ThreadEvent;

namespace {

std::string migrated_db() {
  return migrated_database("tp_test_conversation");
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

// A pool on its own io_context, driven synchronously by the test.
struct Store {
  explicit Store(const std::string& url) : pool(ioc.get_executor(), storage::PoolOptions{url, 2}) {}
  asio::io_context ioc{1};
  storage::PgPool pool;
  template <class T>
  T run(asio::awaitable<T> op) {
    return run_sync(ioc, std::move(op));
  }
};

std::string insert(Db& db, const std::string& thread, const std::optional<std::string>& sender,
                   const std::string& content, const std::string& role = "user") {
  return db.scalar("INSERT INTO chat_messages (thread_id, sender_id, role, content) VALUES ($1, $2, $3, $4) RETURNING id",
                   {thread, sender, role, content});
}

// A LISTEN connection that collects payloads of one channel.
class Notices {
 public:
  Notices(const std::string& url, const std::string& channel) : conn_(PQconnectdb(url.c_str())) {
    REQUIRE(PQstatus(conn_) == CONNECTION_OK);
    PQclear(PQexec(conn_, ("LISTEN " + channel).c_str()));
  }
  ~Notices() { PQfinish(conn_); }
  // Waits (bounded) until n payloads that contain `filter` have arrived; returns them all.
  std::vector<std::string> wait(size_t n, const std::string& filter, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      PQconsumeInput(conn_);
      while (PGnotify* x = PQnotifies(conn_)) {
        std::string p = x->extra;
        PQfreemem(x);
        if (p.find(filter) != std::string::npos) got_.push_back(p);
      }
      if (got_.size() >= n || std::chrono::steady_clock::now() >= deadline) return got_;
      fd_set fds;
      FD_ZERO(&fds);
      FD_SET(PQsocket(conn_), &fds);
      timeval tv{0, 50000};
      select(PQsocket(conn_) + 1, &fds, nullptr, nullptr, &tv);
    }
  }

 private:
  PGconn* conn_;
  std::vector<std::string> got_;
};

std::string field(const std::string& payload, int i) {
  size_t start = 0;
  for (int k = 0; k < i; ++k) start = payload.find('|', start) + 1;
  auto end = payload.find('|', start);
  return payload.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// A support ticket assigned to tech, whose customer is owner, and a thread of owner linked to it.
std::string ticket_thread(Db& db, const std::string& owner, const std::string& tech) {
  auto ticket = random_uuid();
  db.exec("INSERT INTO support_tickets (id, assigned_technician, customer_id) VALUES ($1, $2, $3)", {ticket, tech, owner});
  auto thread = random_uuid();
  db.exec("INSERT INTO conversation_threads (id, user_id, ticket_id) VALUES ($1, $2, $3)", {thread, owner, ticket});
  return thread;
}

}  // namespace

TEST_CASE("only the sender or an admin edits; a technician deletes in their ticket's threads", "[pg][conversation]") {
  auto url = migrated_db();
  Db db(url);
  auto alice = make_profile(db);
  auto bob = make_profile(db);
  auto tech = make_profile(db, "technician");
  auto other_tech = make_profile(db, "technician");
  auto admin = make_profile(db, "admin");
  auto thread = ticket_thread(db, alice, tech);
  auto m = insert(db, thread, alice, "my car is making noise");
  Store s(url);

  auto by_bob = s.run(storage::edit_message(s.pool, bob, m, "hacked"));
  REQUIRE(by_bob.ok());
  CHECK(by_bob.value->status == MessageChange::not_found);  // bob cannot even read the thread
  auto by_tech = s.run(storage::edit_message(s.pool, tech, m, "edited by tech"));
  REQUIRE(by_tech.ok());
  CHECK(by_tech.value->status == MessageChange::forbidden);  // reads it, may not edit another's words
  CHECK(s.run(storage::delete_message(s.pool, other_tech, m)).value->status == MessageChange::not_found);
  CHECK(db.scalar("SELECT content FROM chat_messages WHERE id = $1", {m}) == "my car is making noise");

  auto own = s.run(storage::edit_message(s.pool, alice, m, "my car is making a clicking noise"));
  REQUIRE(own.ok());
  REQUIRE(own.value->status == MessageChange::ok);
  CHECK_FALSE(own.value->duplicate);
  CHECK(own.value->cursor == 2);  // the thread's counter: message 1, then this change
  CHECK(own.value->json.find("\"edited_at\":\"") != std::string::npos);
  CHECK(own.value->json.find("clicking") != std::string::npos);
  CHECK(own.value->thread_id == thread);
  CHECK_FALSE(own.value->ticket_id.empty());

  auto same = s.run(storage::edit_message(s.pool, alice, m, "my car is making a clicking noise"));
  CHECK(same.value->status == MessageChange::ok);
  CHECK(same.value->duplicate);  // nothing changed: no new cursor
  CHECK(same.value->cursor == 2);

  CHECK(s.run(storage::edit_message(s.pool, admin, m, "moderated")).value->status == MessageChange::ok);

  auto del = s.run(storage::delete_message(s.pool, tech, m));
  REQUIRE(del.value->status == MessageChange::ok);
  CHECK(del.value->cursor == 4);
  CHECK_FALSE(del.value->at.empty());
  auto row = db.exec("SELECT content, metadata::text, deleted_at IS NOT NULL FROM chat_messages WHERE id = $1", {m});
  CHECK(*row[0][0] == "");
  CHECK(*row[0][1] == "{}");
  CHECK(*row[0][2] == "t");
  auto again = s.run(storage::delete_message(s.pool, alice, m));
  CHECK(again.value->status == MessageChange::ok);
  CHECK(again.value->duplicate);
  CHECK(again.value->cursor == 4);
  CHECK(s.run(storage::edit_message(s.pool, alice, m, "back")).value->status == MessageChange::gone);
  CHECK(s.run(storage::edit_message(s.pool, alice, random_uuid(), "x")).value->status == MessageChange::not_found);
}

TEST_CASE("a customer's own message in a thread they no longer may use cannot be edited", "[pg][conversation]") {
  auto url = migrated_db();
  Db db(url);
  auto alice = make_profile(db);
  auto bob = make_profile(db);
  auto thread = make_thread(db, alice);
  auto m = insert(db, thread, alice, "hello");
  db.exec("UPDATE conversation_threads SET user_id = $1 WHERE id = $2", {bob, thread});
  Store s(url);
  CHECK(s.run(storage::edit_message(s.pool, alice, m, "x")).value->status == MessageChange::not_found);
}

TEST_CASE("changes take cursors from the thread's counter; the replay query returns them in order", "[pg][conversation]") {
  auto url = migrated_db();
  Db db(url);
  auto alice = make_profile(db);
  auto thread = make_thread(db, alice);
  auto m1 = insert(db, thread, alice, "one");
  auto m2 = insert(db, thread, alice, "two");
  Store s(url);
  REQUIRE(s.run(storage::edit_message(s.pool, alice, m1, "one!")).value->cursor == 3);
  auto m3 = insert(db, thread, alice, "three");
  REQUIRE(s.run(storage::delete_message(s.pool, alice, m2)).value->cursor == 5);
  db.exec("DELETE FROM chat_messages WHERE id = $1", {m3});  // a hard delete by SQL: cursor 6, a tombstone

  auto all = s.run(storage::thread_events_after(s.pool, thread, 0, 100));
  REQUIRE(all.ok());
  CHECK(all.value->exists);
  CHECK(all.value->last_seq == 6);
  std::vector<std::pair<int64_t, char>> seen;
  for (const auto& e : all.value->events) seen.emplace_back(e.cursor, static_cast<char>(e.kind));
  // Messages after 0 in their current version (m1 edited, m2 deleted; m3 is gone), then every change after 0.
  std::vector<std::pair<int64_t, char>> want{{1, 'm'}, {2, 'm'}, {3, 'u'}, {5, 'd'}, {6, 'd'}};
  CHECK(seen == want);
  CHECK(all.value->events[0].json.find("one!") != std::string::npos);
  CHECK(all.value->events[1].json.find("\"deleted_at\":\"") != std::string::npos);
  CHECK(all.value->events[4].message_id == m3);

  // A client at cursor 4 (it saw m3) learns of the delete of m2 (an old message) and of m3's removal only.
  auto from4 = s.run(storage::thread_events_after(s.pool, thread, 4, 100));
  REQUIRE(from4.value->events.size() == 2);
  CHECK(from4.value->events[0].cursor == 5);
  CHECK(from4.value->events[0].message_id == m2);
  CHECK(from4.value->events[1].cursor == 6);
  CHECK(from4.value->events[1].kind == ThreadEvent::deleted);

  // Pages: the limit applies to the merged order.
  auto page = s.run(storage::thread_events_after(s.pool, thread, 1, 2));
  REQUIRE(page.value->events.size() == 2);
  CHECK(page.value->events[0].cursor == 2);
  CHECK(page.value->events[1].cursor == 3);
  CHECK_FALSE(s.run(storage::thread_events_after(s.pool, random_uuid(), 0, 10)).value->exists);
}

TEST_CASE("SQL UPDATE and DELETE notify tp_chat like the gateway's edits and deletes", "[pg][conversation]") {
  auto url = migrated_db();
  Db db(url);
  auto alice = make_profile(db);
  auto thread = make_thread(db, alice);
  auto m1 = insert(db, thread, alice, "first");
  auto m2 = insert(db, thread, alice, "second");
  Notices n(url, "tp_chat");
  db.exec("UPDATE chat_messages SET content = 'first, fixed' WHERE id = $1", {m1});
  db.exec("UPDATE chat_messages SET created_at = created_at WHERE id = $1", {m1});  // nothing a reader sees
  db.exec("UPDATE chat_messages SET deleted_at = now() WHERE id = $1", {m2});
  db.exec("DELETE FROM chat_messages WHERE id = $1", {m1});
  auto got = n.wait(3, thread);
  REQUIRE(got.size() == 3);
  CHECK(got[0].substr(0, 2) == "u|");
  CHECK(field(got[0], 2) == "3");
  CHECK(got[0].find("first, fixed") != std::string::npos);
  CHECK(got[0].find("\"edited_at\":\"") != std::string::npos);
  CHECK(got[1].substr(0, 2) == "d|");
  CHECK(field(got[1], 2) == "4");
  CHECK(got[1].find("\"content\":\"\"") != std::string::npos);
  CHECK(got[2].substr(0, 2) == "d|");
  CHECK(field(got[2], 2) == "5");
  CHECK(got[2].find(m1) != std::string::npos);
  CHECK(db.scalar("SELECT count(*) FROM chat_message_tombstones WHERE thread_id = $1", {thread}) == "1");
  // Deleting a whole thread leaves no tombstones behind and does not fail.
  db.exec("DELETE FROM conversation_threads WHERE id = $1", {thread});
  CHECK(db.scalar("SELECT count(*) FROM chat_message_tombstones WHERE thread_id = $1", {thread}) == "0");
}

TEST_CASE("an edit changes neither the job nor its run; a delete asks its open turn to stop", "[pg][conversation]") {
  auto url = migrated_db();
  Db db(url);
  auto alice = make_profile(db);
  auto thread = make_thread(db, alice);  // assistant on (the column default)
  auto m = insert(db, thread, alice, "why is my battery dead");
  REQUIRE(db.scalar("SELECT count(*) FROM assistant_jobs WHERE message_id = $1", {m}) == "1");
  db.exec("UPDATE assistant_jobs SET status = 'running', attempts = 1, lease_until = now() + interval '1 minute' "
          "WHERE message_id = $1", {m});
  Store s(url);
  REQUIRE(s.run(storage::edit_message(s.pool, alice, m, "why is my car battery dead")).value->status == MessageChange::ok);
  auto job = db.exec("SELECT count(*), min(status), bool_or(cancel_requested), max(attempts) FROM assistant_jobs "
                     "WHERE message_id = $1", {m});
  CHECK(*job[0][0] == "1");
  CHECK(*job[0][1] == "running");
  CHECK(*job[0][2] == "f");
  CHECK(*job[0][3] == "1");
  Notices cancels(url, "tp_job_cancel");
  REQUIRE(s.run(storage::delete_message(s.pool, alice, m)).value->status == MessageChange::ok);
  CHECK(db.scalar("SELECT cancel_requested FROM assistant_jobs WHERE message_id = $1", {m}) == "t");
  auto id = db.scalar("SELECT id FROM assistant_jobs WHERE message_id = $1", {m});
  CHECK(cancels.wait(1, id).size() == 1);
}

TEST_CASE("a read cursor only moves forward, stops at the thread's newest cursor, and is announced", "[pg][conversation]") {
  auto url = migrated_db();
  Db db(url);
  auto alice = make_profile(db);
  auto bob = make_profile(db);
  auto thread = make_thread(db, alice);
  for (int i = 0; i < 5; ++i) insert(db, thread, alice, "m" + std::to_string(i));
  Store s(url);
  Notices n(url, "tp_read");
  auto r3 = s.run(storage::mark_read(s.pool, alice, thread, 3, "sess-a"));
  REQUIRE(r3.value->status == storage::ReadOutcome::ok);
  CHECK(r3.value->cursor == 3);
  CHECK(r3.value->moved);
  auto back = s.run(storage::mark_read(s.pool, alice, thread, 1, "sess-a"));
  CHECK(back.value->cursor == 3);
  CHECK_FALSE(back.value->moved);
  auto ahead = s.run(storage::mark_read(s.pool, alice, thread, 999, "sess-b"));
  CHECK(ahead.value->cursor == 5);
  CHECK(ahead.value->moved);
  CHECK(s.run(storage::mark_read(s.pool, bob, thread, 5, "x")).value->status == storage::ReadOutcome::forbidden);
  CHECK(s.run(storage::mark_read(s.pool, alice, random_uuid(), 5, "x")).value->status == storage::ReadOutcome::not_found);
  auto got = n.wait(2, thread);
  REQUIRE(got.size() == 2);  // the backward read announced nothing
  CHECK(got[0] == thread + "|" + alice + "|3||sess-a");
  CHECK(got[1] == thread + "|" + alice + "|5||sess-b");
  CHECK(db.scalar("SELECT last_read FROM chat_read_state WHERE thread_id = $1 AND user_id = $2", {thread, alice}) == "5");
}

TEST_CASE("unread counts messages from others after the read cursor; threads carry unread and last_message",
          "[pg][conversation]") {
  auto url = migrated_db();
  Db db(url);
  auto alice = make_profile(db);
  auto tech = make_profile(db, "technician");
  auto thread = ticket_thread(db, alice, tech);
  insert(db, thread, alice, "hello");                       // 1 (own: never unread for alice)
  insert(db, thread, tech, "hi, what's wrong?", "technician");  // 2
  auto m3 = insert(db, thread, std::nullopt, "The assistant says: check the fuse", "assistant");  // 3
  Store s(url);
  auto j = s.run(storage::thread_json_for(s.pool, alice, thread));
  REQUIRE(j.value->has_value());
  CHECK((*j.value)->find("\"unread\":2") != std::string::npos);
  CHECK((*j.value)->find("\"preview\":\"The assistant says: check the fuse\"") != std::string::npos);
  REQUIRE(s.run(storage::mark_read(s.pool, alice, thread, 2, "")).value->moved);
  CHECK((*s.run(storage::thread_json_for(s.pool, alice, thread)).value)->find("\"unread\":1") != std::string::npos);
  // The technician's view of the same thread, through the ticket.
  auto ticket = db.scalar("SELECT ticket_id FROM conversation_threads WHERE id = $1", {thread});
  auto sums = s.run(storage::ticket_thread_summaries(s.pool, tech, ticket));
  REQUIRE(sums.ok());
  REQUIRE(sums.value->size() == 1);
  CHECK(sums.value->front().thread_id == thread);
  CHECK(sums.value->front().unread == 2);  // alice's and the assistant's
  CHECK(sums.value->front().cursor == 3);
  // A deleted message is not unread, and the preview moves to the newest live one.
  REQUIRE(s.run(storage::delete_message(s.pool, tech, m3)).value->status == MessageChange::ok);
  CHECK(s.run(storage::ticket_thread_summaries(s.pool, tech, ticket)).value->front().unread == 1);
  auto now = *s.run(storage::thread_json_for(s.pool, alice, thread)).value;
  CHECK(now->find("\"unread\":0") != std::string::npos);
  CHECK(now->find("\"preview\":\"hi, what's wrong?\"") != std::string::npos);
  // threads.list carries them too.
  asio::io_context ioc(1);
  storage::ChatStore store(ioc.get_executor(), storage::PoolOptions{url, 1}, storage::WriterOptions{1, 8});
  auto page = run_sync(ioc, store.list_threads(alice, "", 10));
  REQUIRE(page.ok());
  REQUIRE(page.value->threads_json.size() == 1);
  CHECK(page.value->threads_json[0].find("\"unread\":0") != std::string::npos);
  CHECK(page.value->threads_json[0].find("\"last_message\":{") != std::string::npos);
}

TEST_CASE("search ranks hits with marked, escaped snippets and never shows another customer's thread", "[pg][conversation]") {
  auto url = migrated_db();
  Db db(url);
  auto alice = make_profile(db);
  auto bob = make_profile(db);
  auto admin = make_profile(db, "admin");
  auto a_thread = make_thread(db, alice);
  auto b_thread = make_thread(db, bob);
  insert(db, a_thread, alice, "My BMW coolant smell: pressure 5 < 6 & <b>hot</b>");
  insert(db, a_thread, alice, "The coolant level is fine");
  auto gone = insert(db, a_thread, alice, "coolant smell again");
  insert(db, b_thread, bob, "Bob's BMW coolant smell is a secret");
  Store s(url);
  REQUIRE(s.run(storage::delete_message(s.pool, alice, gone)).value->status == MessageChange::ok);

  auto r = s.run(storage::search_messages(s.pool, alice, "coolant smell", "", 10, ""));
  REQUIRE(r.ok());
  REQUIRE(r.value->hits.size() == 1);  // the deleted one and bob's are not found; "level is fine" lacks "smell"
  CHECK(r.value->hits[0].thread_id == a_thread);
  CHECK(r.value->hits[0].snippet.find("<mark>coolant</mark> <mark>smell</mark>") != std::string::npos);
  // The content's own text is HTML-escaped; its tags are dropped (ts_headline); only <mark> is markup.
  CHECK(r.value->hits[0].snippet.find("5 &lt; 6 &amp;") != std::string::npos);
  CHECK(r.value->hits[0].snippet.find("<b>") == std::string::npos);

  auto any = s.run(storage::search_messages(s.pool, alice, "coolant OR bmw", "", 10, ""));
  REQUIRE(any.value->hits.size() == 2);
  CHECK(any.value->hits[0].rank >= any.value->hits[1].rank);
  for (const auto& h : any.value->hits) CHECK(h.thread_id == a_thread);

  // Naming bob's thread finds nothing and says so; bob and an admin do find it.
  auto probe = s.run(storage::search_messages(s.pool, alice, "secret", b_thread, 10, ""));
  CHECK(probe.value->hits.empty());
  CHECK_FALSE(probe.value->thread_found);
  CHECK(s.run(storage::search_messages(s.pool, alice, "secret", "", 10, "")).value->hits.empty());
  CHECK(s.run(storage::search_messages(s.pool, bob, "secret", "", 10, "")).value->hits.size() == 1);
  CHECK(s.run(storage::search_messages(s.pool, admin, "coolant", "", 10, "")).value->hits.size() == 3);

  // Pages by the next_before token.
  auto p1 = s.run(storage::search_messages(s.pool, admin, "coolant", "", 2, ""));
  REQUIRE(p1.value->hits.size() == 2);
  REQUIRE(p1.value->has_more);
  auto p2 = s.run(storage::search_messages(s.pool, admin, "coolant", "", 2, p1.value->next_before));
  REQUIRE(p2.value->hits.size() == 1);
  CHECK_FALSE(p2.value->has_more);
  for (const auto& h : p1.value->hits) CHECK(h.message_id != p2.value->hits[0].message_id);
  auto bad = s.run(storage::search_messages(s.pool, admin, "coolant", "", 2, "garbage"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error.sqlstate == "22023");
  // The query syntax is websearch_to_tsquery's: quotes, OR and -; nothing it cannot read is an error.
  CHECK(s.run(storage::search_messages(s.pool, alice, "\"coolant smell\" -level", "", 10, "")).value->hits.size() == 1);
  CHECK(s.run(storage::search_messages(s.pool, alice, "the (((", "", 10, "")).ok());
  CHECK(db.scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'chat_messages_search_idx'") == "1");
}
