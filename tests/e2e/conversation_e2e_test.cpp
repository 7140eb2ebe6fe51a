// End to end, the conversation features (issue 14) through real gateway processes, real sockets and a real
// PostgreSQL: edits and deletes across nodes, through `since` and by SQL; read state and unread counts; presence
// across nodes, with a node killed; search visibility.
#include <catch2/catch.hpp>

#include <set>

#include "support/chat_helpers.hpp"
#include "support/gateway_process.hpp"
#include "support/pg_support.hpp"
#include "support/ws_client.hpp"

using namespace techpulse::test;

namespace {

std::string conv_db() { return migrated_database("tp_test_conversation_e2e"); }

std::string edit_frame(const std::string& message, const std::string& content, const std::string& ref) {
  return R"({"type":"message.edit","ref":")" + ref + R"(","message_id":")" + message + R"(","content":")" + content +
         "\"}";
}
std::string delete_frame(const std::string& message, const std::string& ref) {
  return R"({"type":"message.delete","ref":")" + ref + R"(","message_id":")" + message + "\"}";
}
std::string read_frame(const std::string& thread, const std::string& cursor, const std::string& ref) {
  return R"({"type":"read","ref":")" + ref + R"(","thread_id":")" + thread + R"(","cursor":")" + cursor + "\"}";
}
std::string topic_frame(const std::string& type, const std::string& topic, const std::string& ref) {
  return R"({"type":")" + type + R"(","ref":")" + ref + R"(","topic":")" + topic + "\"}";
}

// The reply to ref (whatever its type).
std::optional<std::string> reply_to(WsClient& c, const std::string& ref, std::chrono::milliseconds t = 5s) {
  return c.recv_until([&](const std::string& f) { return json_str(f, "/ref") == ref; }, t);
}

// Sends content and returns the ack.
std::string send_ok(WsClient& c, const std::string& thread, const std::string& content, const std::string& ref) {
  c.send(send_frame(thread, content, ref));
  auto ack = reply_to(c, ref);
  REQUIRE(ack);
  REQUIRE(json_str(*ack, "/type") == "ack");
  return *ack;
}

// A support ticket assigned to tech whose customer is owner, and owner's thread linked to it.
std::pair<std::string, std::string> ticket_thread(Db& db, const std::string& owner, const std::string& tech) {
  auto ticket = random_uuid();
  db.exec("INSERT INTO support_tickets (id, assigned_technician, customer_id) VALUES ($1, $2, $3)", {ticket, tech, owner});
  auto thread = random_uuid();
  db.exec("INSERT INTO conversation_threads (id, user_id, ticket_id, assistant_enabled) VALUES ($1, $2, $3, false)",
          {thread, owner, ticket});
  return {ticket, thread};
}

std::string quiet_thread(Db& db, const std::string& owner) {
  auto thread = random_uuid();
  db.exec("INSERT INTO conversation_threads (id, user_id, assistant_enabled) VALUES ($1, $2, false)", {thread, owner});
  return thread;
}

bool is(const std::string& f, const std::string& type) { return json_str(f, "/type") == type; }

}  // namespace

TEST_CASE("edits and deletes reach a subscriber on another node, in cursor order, and the author gets acks",
          "[e2e][conversation]") {
  Db db(conv_db());
  auto alice = make_profile(db);
  auto tech = make_profile(db, "technician");
  auto [ticket, thread] = ticket_thread(db, alice, tech);
  GatewayProcess a(conv_db());
  GatewayProcess b(conv_db());
  auto ca = connect_as(a, alice);
  auto cb = connect_as(b, tech, "technician");
  subscribe(*ca, thread, "sa");
  subscribe(*cb, thread, "sb");

  auto ack = send_ok(*ca, thread, "my car makes a clikcing noise", "m1");
  auto id = json_str(ack, "/message_id");
  ca->send(edit_frame(id, "my car makes a clicking noise", "e1"));
  auto eack = reply_to(*ca, "e1");
  REQUIRE(eack);
  CHECK(is(*eack, "ack"));
  CHECK(json_str(*eack, "/message_id") == id);
  CHECK(json_str(*eack, "/cursor") == "2");
  CHECK_FALSE(json_str(*eack, "/edited_at").empty());
  ca->send(delete_frame(id, "d1"));
  auto dack = reply_to(*ca, "d1");
  REQUIRE(dack);
  CHECK(is(*dack, "ack"));
  CHECK(json_str(*dack, "/cursor") == "3");

  // The subscriber on the other node: the message, its edit, its delete, in that order, each once.
  std::vector<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    auto f = cb->recv_until([](const std::string& f) {
      return is(f, "message") || is(f, "message.updated") || is(f, "message.deleted");
    });
    REQUIRE(f);
    seen.push_back(*f);
  }
  CHECK(is(seen[0], "message"));
  CHECK(json_str(seen[0], "/cursor") == "1");
  CHECK(is(seen[1], "message.updated"));
  CHECK(json_str(seen[1], "/cursor") == "2");
  CHECK(json_str(seen[1], "/message/content") == "my car makes a clicking noise");
  CHECK_FALSE(json_str(seen[1], "/message/edited_at").empty());
  CHECK(is(seen[2], "message.deleted"));
  CHECK(json_str(seen[2], "/message/content") == "");
  CHECK_FALSE(json_str(seen[2], "/message/deleted_at").empty());
  CHECK_FALSE(cb->recv_until([](const std::string& f) { return is(f, "message.updated") || is(f, "message.deleted"); },
                             1000ms));
  // History shows the current version.
  ca->send(R"({"type":"history","ref":"h","thread_id":")" + thread + "\"}");
  auto h = reply_to(*ca, "h");
  REQUIRE(h);
  CHECK(json_str(*h, "/messages/0/content") == "");
  CHECK_FALSE(json_str(*h, "/messages/0/deleted_at").empty());
}

TEST_CASE("a customer cannot edit or delete someone else's message", "[e2e][conversation]") {
  Db db(conv_db());
  auto alice = make_profile(db);
  auto mallory = make_profile(db);
  auto tech = make_profile(db, "technician");
  auto [ticket, thread] = ticket_thread(db, alice, tech);
  GatewayProcess gw(conv_db());
  auto ca = connect_as(gw, alice);
  auto id = json_str(send_ok(*ca, thread, "mine", "m1"), "/message_id");
  auto cm = connect_as(gw, mallory);
  cm->send(edit_frame(id, "not yours", "e"));
  auto r = reply_to(*cm, "e");
  REQUIRE(r);
  CHECK(json_str(*r, "/code") == "not_found");  // mallory cannot read the thread: its ids are not confirmed
  cm->send(delete_frame(id, "d"));
  CHECK(json_str(*reply_to(*cm, "d"), "/code") == "not_found");
  auto ct = connect_as(gw, tech, "technician");
  ct->send(edit_frame(id, "the technician's words", "te"));
  CHECK(json_str(*reply_to(*ct, "te"), "/code") == "forbidden");
  CHECK(db.scalar("SELECT content FROM chat_messages WHERE id = $1", {id}) == "mine");
  // The technician of the ticket may delete it.
  ct->send(delete_frame(id, "td"));
  CHECK(is(*reply_to(*ct, "td"), "ack"));
}

TEST_CASE("a reconnect with since from before an edit replays the edit, however old the message", "[e2e][conversation]") {
  Db db(conv_db());
  auto alice = make_profile(db);
  auto thread = quiet_thread(db, alice);
  GatewayProcess gw(conv_db());
  auto c = connect_as(gw, alice);
  auto old_id = json_str(send_ok(*c, thread, "old message", "m1"), "/message_id");
  send_ok(*c, thread, "second", "m2");
  c->close();
  // While away: an edit of the old message, a new message, a delete.
  auto c2 = connect_as(gw, alice);
  c2->send(edit_frame(old_id, "old message, edited", "e"));
  REQUIRE(is(*reply_to(*c2, "e"), "ack"));
  auto third = json_str(send_ok(*c2, thread, "third", "m3"), "/message_id");
  c2->send(delete_frame(third, "d"));
  REQUIRE(is(*reply_to(*c2, "d"), "ack"));

  auto c3 = connect_as(gw, alice);
  c3->send(subscribe_frame(thread, "s", "2"));
  std::vector<std::string> got;
  for (;;) {
    auto f = c3->recv(5s);
    REQUIRE(f);
    if (is(*f, "subscribed")) break;
    if (is(*f, "presence.state")) continue;
    got.push_back(*f);
  }
  // After cursor 2: the edit of message 1 (cursor 3), message 3 in its current (deleted) version (cursor 4), its
  // delete (cursor 5).
  REQUIRE(got.size() == 3);
  CHECK(is(got[0], "message.updated"));
  CHECK(json_str(got[0], "/cursor") == "3");
  CHECK(json_str(got[0], "/message/id") == old_id);
  CHECK(json_str(got[0], "/message/content") == "old message, edited");
  CHECK(json_bool(got[0], "/replay"));
  CHECK(is(got[1], "message"));
  CHECK(json_str(got[1], "/cursor") == "4");
  CHECK(is(got[2], "message.deleted"));
  CHECK(json_str(got[2], "/cursor") == "5");
  CHECK(json_str(got[2], "/message/id") == third);
}

TEST_CASE("SQL UPDATE and DELETE produce message.updated and message.deleted", "[e2e][conversation]") {
  Db db(conv_db());
  auto alice = make_profile(db);
  auto thread = quiet_thread(db, alice);
  GatewayProcess gw(conv_db());
  auto c = connect_as(gw, alice);
  subscribe(*c, thread);
  auto id = db.scalar("INSERT INTO chat_messages (thread_id, sender_id, content) VALUES ($1, $2, 'typo') RETURNING id",
                      {thread, alice});
  REQUIRE(c->recv_type("message"));
  db.exec("UPDATE chat_messages SET content = 'fixed by SQL' WHERE id = $1", {id});
  auto u = c->recv_type("message.updated");
  REQUIRE(u);
  CHECK(json_str(*u, "/message/content") == "fixed by SQL");
  CHECK(json_str(*u, "/cursor") == "2");
  db.exec("DELETE FROM chat_messages WHERE id = $1", {id});
  auto d = c->recv_type("message.deleted");
  REQUIRE(d);
  CHECK(json_str(*d, "/message/id") == id);
  CHECK(json_str(*d, "/cursor") == "3");
}

TEST_CASE("unread counts follow messages; a read on one device clears them on the other and reaches subscribers",
          "[e2e][conversation]") {
  Db db(conv_db());
  auto alice = make_profile(db);
  auto tech = make_profile(db, "technician");
  auto [ticket, thread] = ticket_thread(db, alice, tech);
  GatewayProcess a(conv_db());
  GatewayProcess b(conv_db());
  auto ct = connect_as(a, tech, "technician");
  subscribe(*ct, thread, "st");
  send_ok(*ct, thread, "hello, I am your technician", "t1");
  auto last = json_str(send_ok(*ct, thread, "please check the fuse", "t2"), "/cursor");

  auto phone = connect_as(a, alice);
  auto laptop = connect_as(b, alice);
  laptop->send(topic_frame("subscribe", "user:" + alice, "su"));
  REQUIRE(is(*reply_to(*laptop, "su"), "subscribed"));
  laptop->send(R"({"type":"threads.list","ref":"l1"})");
  auto list = reply_to(*laptop, "l1");
  REQUIRE(list);
  CHECK(json_str(*list, "/threads/0/id") == thread);
  CHECK(json_str(*list, "/threads/0/unread") == "2");
  CHECK(json_str(*list, "/threads/0/last_message/preview") == "please check the fuse");

  // The technician's ticket subscription shows the thread's unread count for them (alice wrote nothing yet).
  ct->send(topic_frame("subscribe", "ticket:" + ticket, "sk"));
  auto sk = reply_to(*ct, "sk");
  REQUIRE(sk);
  CHECK(json_str(*sk, "/threads/0/thread_id") == thread);
  CHECK(json_str(*sk, "/threads/0/unread") == "0");

  phone->send(read_frame(thread, last, "r1"));
  auto r = reply_to(*phone, "r1");
  REQUIRE(r);
  CHECK(is(*r, "read"));
  CHECK(json_str(*r, "/cursor") == last);
  // The other device, on the other node, hears of it on its user: topic.
  auto ev = laptop->recv_type("read");
  REQUIRE(ev);
  CHECK(json_str(*ev, "/topic") == "user:" + alice);
  CHECK(json_str(*ev, "/thread_id") == thread);
  CHECK(json_str(*ev, "/cursor") == last);
  laptop->send(R"({"type":"threads.list","ref":"l2"})");
  CHECK(json_str(*reply_to(*laptop, "l2"), "/threads/0/unread") == "0");
  // The thread's other subscriber (the technician) sees that alice read it.
  auto seen = ct->recv_type("read");
  REQUIRE(seen);
  CHECK(json_str(*seen, "/user_id") == alice);
  CHECK(json_str(*seen, "/cursor") == last);
  // A read backwards changes nothing and announces nothing.
  phone->send(read_frame(thread, "1", "r2"));
  CHECK(json_str(*reply_to(*phone, "r2"), "/cursor") == last);
  CHECK_FALSE(laptop->recv_type("read", 1000ms));
}

TEST_CASE("presence: users on two nodes see each other join and leave; two tabs are one presence",
          "[e2e][conversation][presence]") {
  Db db(conv_db());
  auto alice = make_profile(db);
  auto tech = make_profile(db, "technician");
  auto [ticket, thread] = ticket_thread(db, alice, tech);
  GatewayProcess a(conv_db());
  GatewayProcess b(conv_db());
  auto ca = connect_as(a, alice);
  ca->send(subscribe_frame(thread, "s1"));
  REQUIRE(is(*reply_to(*ca, "s1"), "subscribed"));
  auto st = ca->recv_type("presence.state");
  REQUIRE(st);
  CHECK(json_str(*st, "/users/0/user_id") == alice);
  CHECK(json_str(*st, "/users/0/role") == "customer");

  auto ct = connect_as(b, tech, "technician");
  ct->send(subscribe_frame(thread, "s2"));
  REQUIRE(is(*reply_to(*ct, "s2"), "subscribed"));
  auto st2 = ct->recv_type("presence.state");
  REQUIRE(st2);
  std::set<std::string> users{json_str(*st2, "/users/0/user_id"), json_str(*st2, "/users/1/user_id")};
  CHECK(users.count(tech) == 1);
  // alice's join travels from node a through the database: it may reach node b just after this state, and then it
  // comes as presence.join.
  if (!users.count(alice)) {
    REQUIRE(ct->recv_until([&](const std::string& f) {
      return is(f, "presence.join") && json_str(f, "/user/user_id") == alice;
    }));
  }
  auto join = ca->recv_type("presence.join");
  REQUIRE(join);
  CHECK(json_str(*join, "/user/user_id") == tech);
  CHECK(json_str(*join, "/user/role") == "technician");

  // A second tab of alice, on the other node: no new presence for the technician.
  auto tab2 = connect_as(b, alice);
  tab2->send(subscribe_frame(thread, "s3"));
  REQUIRE(is(*reply_to(*tab2, "s3"), "subscribed"));
  // Closing the first tab: alice is still there through the second.
  ca->close();
  CHECK_FALSE(ct->recv_until([](const std::string& f) { return is(f, "presence.join") || is(f, "presence.leave"); },
                             1500ms));
  tab2->send(topic_frame("unsubscribe", "thread:" + thread, "u3"));
  REQUIRE(is(*reply_to(*tab2, "u3"), "unsubscribed"));
  auto leave = ct->recv_type("presence.leave");
  REQUIRE(leave);
  CHECK(json_str(*leave, "/user/user_id") == alice);
  CHECK(json_str(*leave, "/topic") == "thread:" + thread);
}

TEST_CASE("presence: the users of a node killed with kill -9 leave within 2 x heartbeat_ms", "[e2e][conversation][presence]") {
  Db db(conv_db());
  auto alice = make_profile(db);
  auto tech = make_profile(db, "technician");
  auto [ticket, thread] = ticket_thread(db, alice, tech);
  const std::map<std::string, std::string> env{{"TECHPULSE_HEARTBEAT_MS", "2000"}};
  GatewayProcess a(conv_db(), env);
  GatewayProcess b(conv_db(), env);
  auto ct = connect_as(b, tech, "technician");
  ct->send(topic_frame("subscribe", "ticket:" + ticket, "sk"));
  REQUIRE(is(*reply_to(*ct, "sk"), "subscribed"));
  auto ca = connect_as(a, alice);
  ca->send(topic_frame("subscribe", "ticket:" + ticket, "x"));  // a customer may not subscribe to a ticket
  CHECK(json_str(*reply_to(*ca, "x"), "/code") == "forbidden");
  // alice's thread and the technician's ticket are different topics: the technician watches the thread too.
  ct->send(subscribe_frame(thread, "st"));
  REQUIRE(is(*reply_to(*ct, "st"), "subscribed"));
  ca->send(subscribe_frame(thread, "sa"));
  REQUIRE(is(*reply_to(*ca, "sa"), "subscribed"));
  auto join = ct->recv_until([&](const std::string& f) {
    return is(f, "presence.join") && json_str(f, "/user/user_id") == alice;
  });
  REQUIRE(join);
  a.kill9();
  // The bound is 2 x heartbeat_ms (4 s) from the kill; 1 s more is allowed for NOTIFY delivery on a loaded machine.
  auto leave = ct->recv_until([&](const std::string& f) {
    return is(f, "presence.leave") && json_str(f, "/user/user_id") == alice;
  }, 5000ms);
  REQUIRE(leave);
  CHECK(json_str(*leave, "/topic") == "thread:" + thread);
}

TEST_CASE("search: ranked hits with marked snippets, never from a thread the caller cannot read", "[e2e][conversation]") {
  Db db(conv_db());
  auto alice = make_profile(db);
  auto bob = make_profile(db);
  auto a_thread = quiet_thread(db, alice);
  auto b_thread = quiet_thread(db, bob);
  db.exec("INSERT INTO chat_messages (thread_id, sender_id, content) VALUES ($1, $2, $3), ($1, $2, $4), ($5, $6, $7)",
          {a_thread, alice, "That BMW with the coolant smell is back", "The coolant was topped up",
           b_thread, bob, "Bob's BMW coolant smell, private"});
  GatewayProcess gw(conv_db());
  auto c = connect_as(gw, alice);
  c->send(R"({"type":"search","ref":"q1","query":"bmw coolant smell"})");
  auto r = reply_to(*c, "q1");
  REQUIRE(r);
  REQUIRE(is(*r, "search.results"));
  CHECK(json_str(*r, "/results/0/thread_id") == a_thread);
  CHECK(json_str(*r, "/results/0/snippet").find("<mark>coolant</mark> <mark>smell</mark>") != std::string::npos);
  CHECK_FALSE(json_has(*r, "/results/1"));  // bob's message matches too, but is not alice's to read
  c->send(R"({"type":"search","ref":"q2","query":"coolant"})");
  auto r2 = reply_to(*c, "q2");
  REQUIRE(r2);
  CHECK(json_has(*r2, "/results/1"));
  CHECK_FALSE(json_has(*r2, "/results/2"));
  CHECK(std::stod(json_str(*r2, "/results/0/rank")) >= std::stod(json_str(*r2, "/results/1/rank")));
  c->send(R"({"type":"search","ref":"q3","query":"private","thread_id":")" + b_thread + "\"}");
  CHECK(json_str(*reply_to(*c, "q3"), "/code") == "not_found");
}
