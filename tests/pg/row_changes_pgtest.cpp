#include <algorithm>
// postgres_changes storage against a real PostgreSQL (storage/row_changes.hpp, 008_supabase.sql): every change of
// the six tables reaches a LISTEN connection as whole rows, exactly once and in commit order, whoever wrote it;
// rows over the NOTIFY limit are spilled and fetched; who may see a change follows the native rules, live.
#include <catch2/catch.hpp>
#include <libpq-fe.h>
#include <simdjson.h>
#include <sys/select.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <functional>

#include "storage/row_changes.hpp"
#include "support/pg_support.hpp"

using namespace techpulse;
using namespace techpulse::test;
namespace asio = boost::asio;

namespace {

std::string migrated_db() {
  return migrated_database("tp_test_row_changes", [](const std::string& u) {
    // The feed is on while a node serves postgres_changes (tp_row_feed): this suite is such a node.
    Db db(u);
    db.exec("INSERT INTO tp_row_feed (node, alive_until) VALUES ('row-changes-suite', now() + interval '1 day')");
  });
}

template <class T>
T run_sync(asio::io_context& ioc, asio::awaitable<T> op) {
  auto fut = asio::co_spawn(ioc, std::move(op), asio::use_future);
  ioc.restart();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    ioc.run_one_for(std::chrono::milliseconds(100));
  }
  return fut.get();
}

// A LISTEN tp_row connection. until() collects row changes up to and including the first one that satisfies
// `last` (a marker the test writes after the changes it expects), bounded in time.
class RowListener {
 public:
  explicit RowListener(const std::string& url) : c_(PQconnectdb(url.c_str())) {
    REQUIRE(PQstatus(c_) == CONNECTION_OK);
    PQclear(PQexec(c_, "LISTEN tp_row"));
  }
  ~RowListener() { PQfinish(c_); }

  std::vector<storage::RowChange> until(const std::function<bool(const storage::RowChange&)>& last) {
    std::vector<storage::RowChange> out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      PQconsumeInput(c_);
      while (PGnotify* n = PQnotifies(c_)) {
        auto c = storage::parse_row_notice(n->extra);
        INFO("payload: " << n->extra);
        PQfreemem(n);
        REQUIRE(c.has_value());
        out.push_back(*c);
        if (last(out.back())) return out;
      }
      fd_set fds;
      FD_ZERO(&fds);
      FD_SET(PQsocket(c_), &fds);
      timeval tv{0, 200000};
      select(PQsocket(c_) + 1, &fds, nullptr, nullptr, &tv);
    }
    FAIL("the marker change did not arrive within 20 s");
    return out;
  }

 private:
  PGconn* c_;
};

std::string field(const std::string& json, const char* key) {
  simdjson::dom::parser p;
  auto el = p.parse(json)[key];
  if (el.error()) return "(absent)";
  if (el.is_null()) return "(null)";
  std::string_view s;
  if (!el.get_string().get(s)) return std::string(s);
  return simdjson::minify(el.value());
}

size_t member_count(const std::string& json) {
  simdjson::dom::parser p;
  return p.parse(json).get_object().value().size();
}

// A marker: a profile rename the test waits for.
struct Marker {
  std::string id;
  explicit Marker(Db& db) : id(make_profile(db)) {}
  void write(Db& db) { db.exec("UPDATE profiles SET full_name = 'marker' WHERE id = $1", {id}); }
  bool is(const storage::RowChange& c) const {
    return c.table == "profiles" && c.op == storage::RowChange::update && field(c.record, "id") == id &&
           field(c.record, "full_name") == "marker";
  }
};

}  // namespace

TEST_CASE("tp_row payloads parse; malformed ones are refused", "[pg][row_changes]") {
  auto c = storage::parse_row_notice(R"(r|7|tickets|U|2026-01-01T00:00:00.000Z|{"record":{"id":1},"old_record":{"id":0}})");
  REQUIRE(c);
  CHECK(c->id == 7);
  CHECK(c->op == storage::RowChange::update);
  CHECK(c->record == R"({"id":1})");
  CHECK(c->old_record == R"({"id":0})");
  auto s = storage::parse_row_notice("s|8|chat_messages|I|2026-01-01T00:00:00.000Z|");
  REQUIRE(s);
  CHECK(s->spilled);
  for (const char* bad : {"", "x|1|tickets|I|t|{}", "r|1|vehicles|I|t|{\"record\":{}}", "r|0|tickets|I|t|{\"record\":{}}",
                          "r|1|tickets|X|t|{\"record\":{}}", "r|1|tickets|I|t|{\"record\":null,\"old_record\":null}",
                          "r|1|tickets|U|t|{\"record\":{}}", "r|1|tickets|I|t|not json", "s|1|tickets|I|t|junk"}) {
    INFO(bad);
    CHECK_FALSE(storage::parse_row_notice(bad).has_value());
  }
}

TEST_CASE("every INSERT, UPDATE and DELETE of the six tables arrives once, whole rows, in commit order",
          "[pg][row_changes]") {
  auto url = migrated_db();
  Db db(url);
  Marker marker(db);
  RowListener listen(url);
  auto user = make_profile(db);
  auto thread = make_thread(db, user, "t1");
  db.exec("SET TimeZone = 'America/New_York'");  // rows still come in UTC
  db.exec("INSERT INTO chat_messages (thread_id, sender_id, content) VALUES ($1, $2, 'hello')", {thread, user});
  db.exec("UPDATE chat_messages SET content = 'edited' WHERE thread_id = $1", {thread});
  auto ticket = db.scalar("INSERT INTO support_tickets (ticket_number, customer_id) VALUES ('S-1', $1) RETURNING id", {user});
  db.exec("UPDATE support_tickets SET status = 'closed' WHERE id = $1", {ticket});
  db.exec("UPDATE support_tickets SET status = 'closed' WHERE id = $1", {ticket});  // identical: still two changes
  auto k = db.scalar("INSERT INTO tickets (title) VALUES ('brakes') RETURNING id");
  auto wo = db.scalar("INSERT INTO work_orders (ticket_id, description) VALUES ($1, 'pads') RETURNING id", {k});
  db.exec("DELETE FROM work_orders WHERE id = $1", {wo});
  db.exec("UPDATE conversation_threads SET title = 't2' WHERE id = $1", {thread});
  db.exec("DELETE FROM chat_messages WHERE thread_id = $1", {thread});
  db.exec("DELETE FROM support_tickets WHERE id = $1", {ticket});
  marker.write(db);
  auto got = listen.until([&](const storage::RowChange& c) { return marker.is(c); });
  got.pop_back();

  // profiles I (user), threads I, messages I, threads' last_seq bump: none, messages U, support I U U, tickets I,
  // work_orders I D, threads U, messages D, support D.
  std::vector<std::pair<std::string, storage::RowChange::Op>> want = {
      {"profiles", storage::RowChange::insert},        {"conversation_threads", storage::RowChange::insert},
      {"chat_messages", storage::RowChange::insert},   {"chat_messages", storage::RowChange::update},
      {"support_tickets", storage::RowChange::insert}, {"support_tickets", storage::RowChange::update},
      {"support_tickets", storage::RowChange::update}, {"tickets", storage::RowChange::insert},
      {"work_orders", storage::RowChange::insert},     {"work_orders", storage::RowChange::del},
      {"conversation_threads", storage::RowChange::update}, {"chat_messages", storage::RowChange::del},
      {"support_tickets", storage::RowChange::del}};
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO(i << " " << got[i].table);
    CHECK(got[i].table == want[i].first);
    CHECK(got[i].op == want[i].second);
    if (i) CHECK(got[i].id > got[i - 1].id);
    CHECK(got[i].changed_at.size() == 24);
    CHECK(got[i].changed_at.back() == 'Z');
  }
  // Whole rows, old and new.
  const auto& ins = got[2];
  CHECK(field(ins.record, "content") == "hello");
  CHECK(field(ins.record, "thread_id") == thread);
  CHECK(field(ins.record, "seq") == "1");
  const size_t columns = std::stoul(db.scalar("SELECT json_array_length(tp_table_columns('chat_messages'))"));
  CHECK(columns >= 11);
  CHECK(member_count(ins.record) == columns);  // every column of chat_messages
  CHECK(ins.old_record.empty());
  auto created = field(ins.record, "created_at");
  CHECK(created.size() > 6);
  CHECK(created.substr(created.size() - 6) == "+00:00");
  const auto& upd = got[3];
  CHECK(field(upd.old_record, "content") == "hello");
  CHECK(field(upd.record, "content") == "edited");
  CHECK(member_count(upd.old_record) == columns);
  const auto& del = got[12];
  CHECK(del.record.empty());
  CHECK(field(del.old_record, "ticket_number") == "S-1");
  CHECK(field(del.old_record, "status") == "closed");
  CHECK(field(got[10].old_record, "title") == "t1");
  CHECK(field(got[10].record, "title") == "t2");
}

TEST_CASE("no tp_row notification while no node's feed row is alive; the feed store renews and drops one",
          "[pg][row_changes]") {
  auto url = migrated_db();
  Db db(url);
  RowListener listen(url);
  auto user = make_profile(db);
  auto thread = make_thread(db, user, "quiet");
  db.exec("UPDATE tp_row_feed SET alive_until = now() - interval '1 second'");  // every node's row expired
  db.exec("INSERT INTO chat_messages (thread_id, sender_id, content) VALUES ($1, $2, 'unseen')", {thread, user});
  // A node with bindings renews its row (RowChangeStore::feed_alive): the feed is on again.
  asio::io_context ioc;
  storage::PgPool pool(ioc.get_executor(), storage::PoolOptions{url, 1});
  storage::RowChangeStore rows(pool);
  REQUIRE(run_sync(ioc, rows.feed_alive("node-a", 120)).ok());
  CHECK(db.scalar("SELECT count(*) FROM tp_row_feed WHERE node = 'node-a' AND alive_until > now()") == "1");
  Marker marker(db);
  marker.write(db);
  auto got = listen.until([&](const storage::RowChange& c) { return marker.is(c); });
  for (const auto& c : got) CHECK(field(c.record.empty() ? c.old_record : c.record, "content") != "unseen");
  CHECK(std::any_of(got.begin(), got.end(), [&](const storage::RowChange& c) {
    return c.table == "profiles" && c.op == storage::RowChange::insert && field(c.record, "id") == marker.id;
  }));  // the marker's own insert, after the renewal, arrives
  REQUIRE(run_sync(ioc, rows.feed_gone("node-a")).ok());
  CHECK(db.scalar("SELECT count(*) FROM tp_row_feed WHERE node = 'node-a'") == "0");
  db.exec("UPDATE tp_row_feed SET alive_until = now() + interval '1 day' WHERE node = 'row-changes-suite'");
}

TEST_CASE("a row over the NOTIFY limit is sent by reference and fetched whole", "[pg][row_changes]") {
  auto url = migrated_db();
  Db db(url);
  Marker marker(db);
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  RowListener listen(url);
  std::string big(20000, 'x');
  db.exec("INSERT INTO chat_messages (thread_id, sender_id, content) VALUES ($1, $2, $3)", {thread, user, big});
  marker.write(db);
  auto got = listen.until([&](const storage::RowChange& c) { return marker.is(c); });
  REQUIRE(got.size() == 2);
  REQUIRE(got[0].spilled);
  asio::io_context ioc(1);
  storage::PgPool pool(ioc.get_executor(), storage::PoolOptions{url, 1});
  storage::RowChangeStore store(pool);
  auto c = got[0];
  auto r = run_sync(ioc, store.fill_spilled(c));
  REQUIRE(r.ok());
  REQUIRE(*r.value);
  CHECK(field(c.record, "content") == big);
  CHECK(c.old_record.empty());
}

TEST_CASE("who may see a change: the native rules, live, also for a deleted row", "[pg][row_changes]") {
  auto url = migrated_db();
  Db db(url);
  auto a = make_profile(db);
  auto b = make_profile(db);
  auto tech = make_profile(db, "technician");
  auto other_tech = make_profile(db, "technician");
  auto admin = make_profile(db, "admin");
  std::vector<std::string> everyone = {a, b, tech, other_tech, admin};
  auto ticket = db.scalar(
      "INSERT INTO support_tickets (ticket_number, customer_id, assigned_technician) VALUES ($1, $2, $3) RETURNING id",
      {"V-" + a.substr(0, 8), a, tech});
  auto thread = db.scalar("INSERT INTO conversation_threads (user_id, ticket_id) VALUES ($1, $2) RETURNING id", {a, ticket});
  // b links a thread to a's ticket by SQL: the link does not hold (006), so the technician does not see b's thread.
  auto b_thread = db.scalar("INSERT INTO conversation_threads (user_id, ticket_id) VALUES ($1, $2) RETURNING id", {b, ticket});
  auto wo = db.scalar("INSERT INTO work_orders (ticket_id) VALUES ($1) RETURNING id", {ticket});

  asio::io_context ioc(1);
  storage::PgPool pool(ioc.get_executor(), storage::PoolOptions{url, 1});
  storage::RowChangeStore store(pool);
  auto row_of = [&](const std::string& table, const std::string& id) {
    return db.scalar("SELECT to_json(x)::text FROM " + table + " x WHERE id = $1", {id});
  };
  auto visible = [&](const std::string& table, const std::string& row, storage::RowChange::Op op) {
    storage::RowChange c;
    c.table = table;
    c.op = op;
    (op == storage::RowChange::del ? c.old_record : c.record) = row;
    auto r = run_sync(ioc, store.visible_to(c, everyone));
    REQUIRE(r.ok());
    return *r.value;
  };
  using V = std::vector<std::string>;
  auto msg = db.scalar("INSERT INTO chat_messages (thread_id, sender_id, content) VALUES ($1, $2, 'hi') RETURNING id", {thread, a});
  auto b_msg = db.scalar("INSERT INTO chat_messages (thread_id, sender_id, content) VALUES ($1, $2, 'hi') RETURNING id", {b_thread, b});
  CHECK(visible("chat_messages", row_of("chat_messages", msg), storage::RowChange::insert) == V{a, tech, admin});
  CHECK(visible("chat_messages", row_of("chat_messages", b_msg), storage::RowChange::insert) == V{b, admin});
  CHECK(visible("conversation_threads", row_of("conversation_threads", thread), storage::RowChange::update) == V{a, tech, admin});
  CHECK(visible("support_tickets", row_of("support_tickets", ticket), storage::RowChange::update) == V{a, tech, admin});
  CHECK(visible("work_orders", row_of("work_orders", wo), storage::RowChange::insert) == V{tech, admin});
  CHECK(visible("profiles", row_of("profiles", b), storage::RowChange::update) == V{b});

  // Unassigned by SQL: the technician stops seeing the ticket's rows at once.
  db.exec("UPDATE support_tickets SET assigned_technician = NULL WHERE id = $1", {ticket});
  CHECK(visible("chat_messages", row_of("chat_messages", msg), storage::RowChange::insert) == V{a, admin});
  CHECK(visible("support_tickets", row_of("support_tickets", ticket), storage::RowChange::update) == V{a, admin});
  CHECK(visible("work_orders", row_of("work_orders", wo), storage::RowChange::update) == V{admin});
  db.exec("UPDATE support_tickets SET assigned_technician = $2 WHERE id = $1", {ticket, other_tech});
  CHECK(visible("chat_messages", row_of("chat_messages", msg), storage::RowChange::insert) == V{a, other_tech, admin});

  // Deleted rows: judged by the same rules on the old row.
  auto old_ticket = row_of("support_tickets", ticket);
  auto old_thread = row_of("conversation_threads", thread);
  db.exec("DELETE FROM conversation_threads WHERE id = $1", {thread});
  CHECK(visible("conversation_threads", old_thread, storage::RowChange::del) == V{a, other_tech, admin});
  db.exec("DELETE FROM support_tickets WHERE id = $1", {ticket});
  CHECK(visible("support_tickets", old_ticket, storage::RowChange::del) == V{a, other_tech, admin});
  CHECK(visible("vehicles", R"({"id":"00000000-0000-4000-8000-000000000000"})", storage::RowChange::insert).empty());
}

TEST_CASE("the native rule functions keep their results after 008", "[pg][row_changes]") {
  auto url = migrated_db();
  Db db(url);
  auto a = make_profile(db);
  auto tech = make_profile(db, "technician");
  auto admin = make_profile(db, "admin");
  auto k = db.scalar("INSERT INTO tickets (title, customer_id, assigned_technician_id) VALUES ('x', $1, $2) RETURNING id", {a, tech});
  auto th = db.scalar("INSERT INTO conversation_threads (user_id, ticket_id) VALUES ($1, $2) RETURNING id", {a, k});
  auto nowhere = random_uuid();
  auto q = [&](const std::string& f, const std::string& u, const std::string& id) {
    return db.scalar("SELECT " + f + "($1, $2)", {u, id});
  };
  CHECK(q("tp_can_access", a, th) == "t");
  CHECK(q("tp_can_access", tech, th) == "t");
  CHECK(q("tp_can_access", admin, th) == "t");
  CHECK(q("tp_can_access", admin, nowhere) == "f");
  CHECK(q("tp_can_access_ticket", tech, k) == "t");
  CHECK(q("tp_can_access_ticket", a, k) == "f");
  CHECK(q("tp_can_access_ticket", admin, nowhere) == "t");  // admin: any ticket id, as before
  CHECK(q("tp_can_see_ticket", a, k) == "t");
  CHECK(q("tp_can_see_ticket", make_profile(db), k) == "f");
  CHECK(q("tp_can_see_ticket", make_profile(db, "technician"), k) == "f");
}

TEST_CASE("columns with their PostgreSQL types; chat rows after a cursor for a reader only", "[pg][row_changes]") {
  auto url = migrated_db();
  Db db(url);
  auto a = make_profile(db);
  auto b = make_profile(db);
  auto thread = make_thread(db, a);
  for (int i = 1; i <= 5; ++i) {
    db.exec("INSERT INTO chat_messages (thread_id, sender_id, content) VALUES ($1, $2, $3)", {thread, a, "m" + std::to_string(i)});
  }
  asio::io_context ioc(1);
  storage::PgPool pool(ioc.get_executor(), storage::PoolOptions{url, 1});
  storage::RowChangeStore store(pool);
  auto cols = run_sync(ioc, store.columns("chat_messages"));
  REQUIRE(cols.ok());
  CHECK(cols.value->find(R"({"name" : "id", "type" : "uuid"})") != std::string::npos);
  CHECK(cols.value->find(R"({"name" : "seq", "type" : "int8"})") != std::string::npos);
  CHECK(cols.value->find(R"({"name" : "metadata", "type" : "jsonb"})") != std::string::npos);
  CHECK(cols.value->find(R"({"name" : "created_at", "type" : "timestamptz"})") != std::string::npos);
  auto none = run_sync(ioc, store.columns("no_such_table"));
  REQUIRE(none.ok());
  CHECK(*none.value == "[]");
  auto rows = run_sync(ioc, store.chat_rows_after(a, thread, 2, 2));
  REQUIRE(rows.ok());
  REQUIRE(rows.value->size() == 2);
  CHECK((*rows.value)[0].first == 3);
  CHECK(field((*rows.value)[1].second, "content") == "m4");
  auto denied = run_sync(ioc, store.chat_rows_after(b, thread, 0, 10));
  REQUIRE(denied.ok());
  CHECK(denied.value->empty());
}
