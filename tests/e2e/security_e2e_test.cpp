// Cross-tenant security, end to end: two customers and two technicians, each with their own thread and ticket.
// Every frame type and topic is tried with the other party's ids; each must be refused (forbidden or not_found),
// store or change nothing, and deliver nothing of the other party to any session, through the ticket channel and
// the assistant included. Real gateway processes, real sockets, a real PostgreSQL.
#include <catch2/catch.hpp>

#include <functional>
#include <tuple>
#include <string>
#include <vector>

#include "support/chat_helpers.hpp"
#include "support/gateway_process.hpp"
#include "support/http_client.hpp"
#include "support/pg_support.hpp"
#include "support/ws_client.hpp"

using namespace techpulse::test;

namespace {

std::string security_db() {
  static std::string url = [] {
    auto u = migrated_database("tp_test_security_e2e");
    Db db(u);
    db.exec_script(read_file(std::string(TECHPULSE_SOURCE_DIR) + "/deploy/demo/knowledge_base.sql"));
    return u;
  }();
  return url;
}

// A session that keeps every frame it was sent, so the test can look for leaks in all of them.
struct Party {
  std::unique_ptr<WsClient> ws;
  std::vector<std::string> seen;

  std::optional<std::string> until(const std::function<bool(const std::string&)>& pred,
                                   std::chrono::milliseconds timeout = 10s) {
    return ws->recv_until(
        [&](const std::string& f) {
          seen.push_back(f);
          return pred(f);
        },
        timeout);
  }
  // Like until, but a frame already seen (read while waiting for something else) counts too.
  std::optional<std::string> seen_or_until(const std::function<bool(const std::string&)>& pred,
                                           std::chrono::milliseconds timeout = 10s) {
    for (const auto& f : seen) {
      if (pred(f)) return f;
    }
    return until(pred, timeout);
  }
  std::optional<std::string> reply(const std::string& ref) {
    return until([&](const std::string& f) { return json_str(f, "/ref") == ref; });
  }
  // Sends frame (with "ref":ref) and returns the error code of the reply ("" when the reply is not an error).
  std::string refused(const std::string& frame, const std::string& ref) {
    ws->send(frame);
    auto r = reply(ref);
    INFO(frame << " -> " << (r ? *r : std::string("timeout")));
    REQUIRE(r);
    return json_str(*r, "/type") == "error" ? json_str(*r, "/code") : std::string();
  }
  bool saw(const std::string& needle) const {
    for (const auto& f : seen) {
      if (f.find(needle) != std::string::npos) return true;
    }
    return false;
  }
};

Party join(const GatewayProcess& gw, const std::string& user, const std::string& role,
           const std::vector<std::string>& topics) {
  Party p{connect_as(gw, user, role), {}};
  int i = 0;
  for (const auto& t : topics) {
    std::string ref = "join" + std::to_string(++i);
    p.ws->send(R"({"type":"subscribe","ref":")" + ref + R"(","topic":")" + t + "\"}");
    auto r = p.reply(ref);
    INFO("subscribe " << t << " -> " << (r ? *r : std::string("timeout")));
    REQUIRE(r);
    REQUIRE(json_str(*r, "/type") == "subscribed");
  }
  return p;
}

bool denied(const std::string& code) { return code == "forbidden" || code == "not_found"; }

struct Tenant {
  std::string customer, tech, ticket, thread;
};

// A customer with their own ticket (support_tickets or tickets), assigned to their own technician, and a thread on it.
Tenant make_tenant(Db& db, bool support_ticket, const std::string& vehicle) {
  Tenant t;
  t.customer = make_profile(db, "customer");
  t.tech = make_profile(db, "technician");
  t.ticket = random_uuid();
  if (support_ticket) {
    db.exec("INSERT INTO support_tickets (id, ticket_number, customer_name, vehicle_info, issue_summary, "
            "assigned_technician, customer_id) VALUES ($1, $2, 'Private Name', $3, 'Misfire at idle', $4, $5)",
            {t.ticket, "TP-" + t.ticket.substr(0, 8), vehicle, t.tech, t.customer});
  } else {
    db.exec("INSERT INTO tickets (id, title, customer_id, assigned_technician_id, vehicle_make, vehicle_model, "
            "vehicle_year) VALUES ($1, 'Private title', $2, $3, 'Ford', 'F-150', 2017)",
            {t.ticket, t.customer, t.tech});
  }
  t.thread = random_uuid();
  db.exec("INSERT INTO conversation_threads (id, user_id, ticket_id, title, assistant_enabled) "
          "VALUES ($1, $2, $3, 'private thread', false)",
          {t.thread, t.customer, t.ticket});
  return t;
}

std::string frame(const std::string& type, const std::string& ref, const std::string& fields) {
  return R"({"type":")" + type + R"(","ref":")" + ref + "\"" + (fields.empty() ? "" : "," + fields) + "}";
}
std::string q(const std::string& s) { return "\"" + s + "\""; }

// Every frame type a client can send, aimed at the victim's ids by the attacker. Returns how many were tried.
int attack(Party& attacker, const Tenant& victim, const Tenant& own, Db& db) {
  struct Try {
    std::string what, frame;
  };
  const std::string& vt = victim.thread;
  // One of the victim's messages (the test has them send some before the attack).
  const std::string vm = db.scalar("SELECT id FROM chat_messages WHERE thread_id = $1 ORDER BY seq LIMIT 1", {vt});
  REQUIRE_FALSE(vm.empty());
  const std::string vm_content = db.scalar("SELECT content FROM chat_messages WHERE id = $1", {vm});
  std::vector<Try> tries = {
      {"subscribe thread", frame("subscribe", "x1", R"("topic":"thread:)" + vt + "\"")},
      {"subscribe thread since", frame("subscribe", "x2", R"("topic":"thread:)" + vt + R"(","since":"0")")},
      {"subscribe ticket", frame("subscribe", "x3", R"("topic":"ticket:)" + victim.ticket + "\"")},
      {"subscribe user", frame("subscribe", "x4", R"("topic":"user:)" + victim.customer + "\"")},
      {"subscribe tech's user", frame("subscribe", "x5", R"("topic":"user:)" + victim.tech + "\"")},
      {"unsubscribe", frame("unsubscribe", "x6", R"("topic":"thread:)" + vt + "\"")},
      {"send", frame("send", "x7", R"("thread_id":)" + q(vt) + R"(,"content":"ATTACK-send")")},
      {"send with client_msg_id", frame("send", "x8", R"("thread_id":)" + q(vt) +
                                                          R"(,"content":"ATTACK-send2","client_msg_id":"c1")")},
      {"history", frame("history", "x9", R"("thread_id":)" + q(vt))},
      {"typing", frame("typing", "x10", R"("thread_id":)" + q(vt))},
      {"thread.create on the ticket", frame("thread.create", "x11", R"("title":"ATTACK-create","ticket_id":)" +
                                                                         q(victim.ticket))},
      {"thread.update title", frame("thread.update", "x12", R"("thread_id":)" + q(vt) + R"(,"title":"ATTACK-title")")},
      {"thread.update assistant", frame("thread.update", "x13", R"("thread_id":)" + q(vt) + R"(,"assistant":true)")},
      {"thread.update unlink", frame("thread.update", "x14", R"("thread_id":)" + q(vt) + R"(,"ticket_id":null)")},
      {"own thread.update onto the ticket", frame("thread.update", "x15", R"("thread_id":)" + q(own.thread) +
                                                                               R"(,"ticket_id":)" + q(victim.ticket))},
      {"assistant.cancel", frame("assistant.cancel", "x16", R"("thread_id":)" + q(vt))},
      // Conversation features (issue 14).
      {"message.edit", frame("message.edit", "x19", R"("message_id":)" + q(vm) + R"(,"content":"ATTACK-edit")")},
      {"message.delete", frame("message.delete", "x20", R"("message_id":)" + q(vm))},
      {"read", frame("read", "x21", R"("thread_id":)" + q(vt) + R"(,"cursor":"1")")},
      {"search in the thread", frame("search", "x22", R"("query":"PRIVATE","thread_id":)" + q(vt))},
  };
  for (const auto& t : tries) {
    INFO(t.what);
    auto ref = json_str(t.frame, "/ref");
    CHECK(denied(attacker.refused(t.frame, ref)));
  }
  // threads.list is the attacker's own: nothing of the victim.
  attacker.ws->send(frame("threads.list", "x17", R"("limit":200)"));
  auto list = attacker.reply("x17");
  REQUIRE(list);
  CHECK(json_str(*list, "/type") == "threads");
  CHECK(list->find(vt) == std::string::npos);
  // A search over every thread finds nothing of the victim's.
  attacker.ws->send(frame("search", "x23", R"("query":"PRIVATE","limit":50)"));
  auto found = attacker.reply("x23");
  REQUIRE(found);
  CHECK(json_str(*found, "/type") == "search.results");
  CHECK(found->find(vt) == std::string::npos);
  // Renewing with a (valid) token of the victim is refused: a session never changes user.
  attacker.ws->send(frame("auth", "x18", R"("access_token":)" + q(make_token(victim.customer))));
  auto auth = attacker.reply("x18");
  REQUIRE(auth);
  CHECK(json_str(*auth, "/code") == "unauthorized");

  // Nothing stored or changed.
  CHECK(db.scalar("SELECT count(*) FROM chat_messages WHERE content LIKE 'ATTACK%'") == "0");
  CHECK(db.scalar("SELECT count(*) FROM conversation_threads WHERE title LIKE 'ATTACK%' OR ticket_id = $1 AND id <> $2",
                  {victim.ticket, vt}) == "0");
  CHECK(db.scalar("SELECT title || '|' || assistant_enabled || '|' || ticket_id FROM conversation_threads WHERE id = $1",
                  {vt}) == "private thread|false|" + victim.ticket);
  CHECK(db.scalar("SELECT ticket_id::text FROM conversation_threads WHERE id = $1", {own.thread}) == own.ticket);
  CHECK(db.scalar("SELECT content || '|' || (deleted_at IS NULL) || '|' || (edited_at IS NULL) FROM chat_messages "
                  "WHERE id = $1", {vm}) == vm_content + "|true|true");
  CHECK(db.scalar("SELECT count(*) FROM chat_read_state WHERE thread_id = $1", {vt}) == "0");  // nobody read it
  return static_cast<int>(tries.size()) + 3;
}

}  // namespace

TEST_CASE("two customers and two technicians: every frame and topic with the other party's ids is refused and leaks nothing",
          "[e2e][security]") {
  Db db(security_db());
  auto a = make_tenant(db, true, "2015 Toyota Camry LE 2.5L");
  auto b = make_tenant(db, false, "");
  GatewayProcess gw(security_db());
  auto ca = join(gw, a.customer, "customer", {"thread:" + a.thread, "user:" + a.customer});
  auto cb = join(gw, b.customer, "customer", {"thread:" + b.thread, "user:" + b.customer});
  auto ta = join(gw, a.tech, "technician", {"ticket:" + a.ticket, "user:" + a.tech});
  auto tb = join(gw, b.tech, "technician", {"ticket:" + b.ticket, "user:" + b.tech});

  // The victims' own traffic, which must reach only them.
  ca.ws->send(send_frame(a.thread, "A-PRIVATE-1", "a1"));
  REQUIRE(ca.reply("a1"));
  cb.ws->send(send_frame(b.thread, "B-PRIVATE-1", "b1"));
  REQUIRE(cb.reply("b1"));

  int tried = 0;
  SECTION("customer B against customer A") { tried = attack(cb, a, b, db); }
  SECTION("customer A against customer B") { tried = attack(ca, b, a, db); }
  SECTION("technician B against customer A and technician A") { tried = attack(tb, a, b, db); }
  SECTION("technician A against customer B and technician B") { tried = attack(ta, b, a, db); }
  CHECK(tried == 23);  // 16 frames + threads.list + auth, and the conversation frames: 4 + a search of every thread

  // A sentinel in each thread, committed after every attempt: each session reads up to its own sentinel, so
  // anything the attempts caused to be delivered has arrived by then (NOTIFY is delivered in commit order).
  ca.ws->send(send_frame(a.thread, "A-SENTINEL", "a2"));
  REQUIRE(ca.reply("a2"));
  cb.ws->send(send_frame(b.thread, "B-SENTINEL", "b2"));
  REQUIRE(cb.reply("b2"));
  auto has = [](const std::string& s) {
    return [s](const std::string& f) { return f.find(s) != std::string::npos && json_str(f, "/type") == "message"; };
  };
  REQUIRE(ca.seen_or_until(has("A-SENTINEL")));
  REQUIRE(ta.seen_or_until(has("A-SENTINEL")));
  REQUIRE(cb.seen_or_until(has("B-SENTINEL")));
  REQUIRE(tb.seen_or_until(has("B-SENTINEL")));

  for (auto* side : {&cb, &tb}) {
    CHECK_FALSE(side->saw(a.thread));
    CHECK_FALSE(side->saw(a.ticket));
    CHECK_FALSE(side->saw("A-PRIVATE"));
    CHECK_FALSE(side->saw("Private Name"));
  }
  for (auto* side : {&ca, &ta}) {
    CHECK_FALSE(side->saw(b.thread));
    CHECK_FALSE(side->saw(b.ticket));
    CHECK_FALSE(side->saw("B-PRIVATE"));
  }
  for (auto* side : {&ca, &cb, &ta, &tb}) CHECK_FALSE(side->saw("ATTACK"));
  // The victims still got their own traffic.
  CHECK(ca.saw("A-PRIVATE-1"));
  CHECK(ta.saw("A-PRIVATE-1"));
  CHECK(tb.saw("B-PRIVATE-1"));
}

TEST_CASE("a customer may link a thread only to their own ticket; staff only to tickets they may see",
          "[e2e][security]") {
  Db db(security_db());
  auto a = make_tenant(db, true, "2015 Toyota Camry LE 2.5L");
  auto b = make_tenant(db, false, "");
  auto admin = make_profile(db, "admin");
  auto unclaimed = random_uuid();
  db.exec("INSERT INTO support_tickets (id, ticket_number) VALUES ($1, $2)", {unclaimed, "TP-" + unclaimed.substr(0, 8)});
  GatewayProcess gw(security_db());
  auto ca = join(gw, a.customer, "customer", {});
  auto ta = join(gw, a.tech, "technician", {});
  auto ad = join(gw, admin, "admin", {});

  // Own ticket: allowed, for both ticket tables.
  ca.ws->send(frame("thread.create", "c1", R"("title":"second","ticket_id":)" + q(a.ticket)));
  auto own = ca.reply("c1");
  REQUIRE(own);
  CHECK(json_str(*own, "/thread/ticket_id") == a.ticket);
  // Another customer's ticket, a ticket nobody owns, a ticket that does not exist.
  CHECK(ca.refused(frame("thread.create", "c2", R"("ticket_id":)" + q(b.ticket)), "c2") == "forbidden");
  CHECK(ca.refused(frame("thread.create", "c3", R"("ticket_id":)" + q(unclaimed)), "c3") == "forbidden");
  CHECK(ca.refused(frame("thread.create", "c4", R"("ticket_id":)" + q(random_uuid())), "c4") == "not_found");
  // thread.update links and unlinks the caller's own thread under the same rule.
  auto mine = make_thread(db, a.customer, "unlinked");
  CHECK(ca.refused(frame("thread.update", "u1", R"("thread_id":)" + q(mine) + R"(,"ticket_id":)" + q(b.ticket)), "u1") ==
        "forbidden");
  ca.ws->send(frame("thread.update", "u2", R"("thread_id":)" + q(mine) + R"(,"ticket_id":)" + q(a.ticket)));
  auto linked = ca.reply("u2");
  REQUIRE(linked);
  CHECK(json_str(*linked, "/thread/ticket_id") == a.ticket);
  ca.ws->send(frame("thread.update", "u3", R"("thread_id":)" + q(mine) + R"(,"ticket_id":null)"));
  auto unlinked = ca.reply("u3");
  REQUIRE(unlinked);
  CHECK(unlinked->find(R"("ticket_id":null)") != std::string::npos);
  // A technician: only tickets assigned to them; and never a customer's thread onto another customer's ticket.
  CHECK(ta.refused(frame("thread.create", "t1", R"("ticket_id":)" + q(b.ticket)), "t1") == "forbidden");
  ta.ws->send(frame("thread.create", "t2", R"("title":"shop notes","ticket_id":)" + q(a.ticket)));
  auto tnotes = ta.reply("t2");
  REQUIRE(tnotes);
  CHECK(json_str(*tnotes, "/thread/ticket_id") == a.ticket);
  // An admin may link anything they see, but not A's thread onto B's ticket (B's ticket is not A's to see).
  CHECK(ad.refused(frame("thread.update", "d1", R"("thread_id":)" + q(a.thread) + R"(,"ticket_id":)" + q(b.ticket)),
                   "d1") == "forbidden");
  // Staff may attach a customer's thread to a ticket with no customer yet: the ticket becomes that customer's.
  ad.ws->send(frame("thread.update", "d2", R"("thread_id":)" + q(mine) + R"(,"ticket_id":)" + q(unclaimed)));
  auto claimed = ad.reply("d2");
  REQUIRE(claimed);
  CHECK(json_str(*claimed, "/thread/ticket_id") == unclaimed);
  CHECK(db.scalar("SELECT customer_id::text FROM support_tickets WHERE id = $1", {unclaimed}) == a.customer);
  CHECK(db.scalar("SELECT count(*) FROM conversation_threads WHERE ticket_id = $1", {b.ticket}) == "1");
}

TEST_CASE("a thread linked by SQL to a ticket its owner may not see: the ticket channel, the technician and the "
          "assistant ignore the link",
          "[e2e][security]") {
  Db db(security_db());
  auto a = make_tenant(db, true, "2015 Toyota Camry LE 2.5L");
  auto intruder = make_profile(db, "customer");
  // A's own thread with the assistant on, as the control; the intruder's thread linked by SQL to A's ticket.
  auto a_ai = random_uuid();
  db.exec("INSERT INTO conversation_threads (id, user_id, ticket_id, title) VALUES ($1, $2, $3, 'A asks')",
          {a_ai, a.customer, a.ticket});
  auto b_thread = random_uuid();
  db.exec("INSERT INTO conversation_threads (id, user_id, ticket_id, title) VALUES ($1, $2, $3, 'B asks')",
          {b_thread, intruder, a.ticket});
  CHECK(db.scalar("SELECT customer_id::text FROM support_tickets WHERE id = $1", {a.ticket}) == a.customer);
  CHECK(db.scalar("SELECT coalesce(tp_thread_ticket($1)::text, 'none')", {b_thread}) == "none");
  CHECK(db.scalar("SELECT coalesce(tp_thread_vehicle($1), 'none')", {b_thread}) == "none");

  GatewayProcess gw(security_db(), {{"TECHPULSE_AI_WORKERS", "1"}});
  auto ta = join(gw, a.tech, "technician", {"ticket:" + a.ticket});
  auto cb = join(gw, intruder, "customer", {"thread:" + b_thread});
  auto ca = join(gw, a.customer, "customer", {"thread:" + a_ai});

  // The technician may not read the intruder's thread through A's ticket.
  CHECK(ta.refused(frame("history", "h1", R"("thread_id":)" + q(b_thread)), "h1") == "forbidden");
  CHECK(ta.refused(frame("subscribe", "h2", R"("topic":"thread:)" + b_thread + "\""), "h2") == "forbidden");
  // The intruder's thread shows no ticket.
  cb.ws->send(frame("threads.list", "l1", ""));
  auto list = cb.reply("l1");
  REQUIRE(list);
  CHECK(list->find(a.ticket) == std::string::npos);

  // The same question in both threads: A's answer uses A's vehicle, the intruder's does not.
  const std::string question = "engine misfire, do I need new spark plugs?";
  cb.ws->send(send_frame(b_thread, question, "q1"));
  REQUIRE(cb.reply("q1"));
  auto b_done = cb.seen_or_until([](const std::string& f) { return json_str(f, "/type") == "assistant.done"; }, 30s);
  REQUIRE(b_done);
  ca.ws->send(send_frame(a_ai, question, "q2"));
  REQUIRE(ca.reply("q2"));
  auto a_done = ca.seen_or_until([](const std::string& f) { return json_str(f, "/type") == "assistant.done"; }, 30s);
  REQUIRE(a_done);
  auto answer = [&](const std::string& done) {
    return db.scalar("SELECT content FROM chat_messages WHERE id = $1", {json_str(done, "/message_id")});
  };
  // The control: A's vehicle does reach A's answer.
  CHECK(answer(*a_done).find("For your 2015 Toyota Camry LE 2.5L") != std::string::npos);
  CHECK(answer(*b_done).find("2015 Toyota Camry LE 2.5L") == std::string::npos);
  // The ticket channel carried A's thread (message and assistant) and nothing of the intruder's.
  REQUIRE(ta.seen_or_until([&](const std::string& f) {
    return json_str(f, "/type") == "assistant.done" && json_str(f, "/thread_id") == a_ai;
  }, 30s));
  CHECK_FALSE(ta.saw(b_thread));
  CHECK(ta.saw(a_ai));
}

TEST_CASE("revocation reaches idle sessions: a deleted profile ends every session, a demotion applies at once",
          "[e2e][security][revocation]") {
  Db db(security_db());
  GatewayProcess a(security_db());
  GatewayProcess b(security_db());

  SECTION("profile deleted: both sessions, on two nodes, none subscribed to anything, are closed with 4401") {
    auto user = make_profile(db, "customer");
    auto s1 = connect_as(a, user);
    auto s2 = connect_as(b, user);
    db.exec("DELETE FROM profiles WHERE id = $1", {user});
    for (auto* s : {s1.get(), s2.get()}) {
      auto e = s->recv_until([](const std::string& f) { return json_str(f, "/type") == "error"; }, 10s);
      REQUIRE(e);
      CHECK(json_str(*e, "/code") == "unauthorized");
      // The close follows the error.
      CHECK_FALSE(s->recv_until([](const std::string&) { return false; }, 10s));
      CHECK(s->closed());
      CHECK(s->close_code() == 4401);
    }
    // A new connection with the same (still valid) token is refused before the upgrade.
    int status = 0;
    CHECK_FALSE(WsClient::connect(a.port(), a.token(user), &status));
    CHECK(status == 401);
  }

  SECTION("role lowered: an idle technician's next actions are a customer's") {
    auto tech = make_profile(db, "technician");
    auto customer = make_profile(db, "customer");
    auto ticket = random_uuid();
    db.exec("INSERT INTO support_tickets (id, ticket_number, assigned_technician, customer_id) VALUES ($1, $2, $3, $4)",
            {ticket, "TP-" + ticket.substr(0, 8), tech, customer});
    auto own = make_thread(db, tech, "tech's own thread");
    db.exec("UPDATE conversation_threads SET assistant_enabled = false WHERE id = $1", {own});
    auto s = join(a, tech, "technician", {});
    db.exec("UPDATE profiles SET role = 'customer' WHERE id = $1", {tech});
    // No wait for the re-check: each action is decided by the database at the time it runs.
    CHECK(s.refused(frame("subscribe", "k1", R"("topic":"ticket:)" + ticket + "\""), "k1") == "forbidden");
    s.ws->send(send_frame(own, "written after the demotion", "m1"));
    auto ack = s.reply("m1");
    REQUIRE(ack);
    REQUIRE(json_str(*ack, "/type") == "ack");
    CHECK(db.scalar("SELECT role FROM chat_messages WHERE id = $1", {json_str(*ack, "/message_id")}) == "user");
  }
}

TEST_CASE("attachments and the HTTP API across tenants: another party's files are 404, their ids cannot be attached, "
          "their threads refuse uploads and HTTP calls as they refuse frames",
          "[e2e][security][attachments][http_api]") {
  Db db(security_db());
  auto a = make_tenant(db, true, "2015 Toyota Camry");
  auto b = make_tenant(db, false, "2017 Ford F-150");
  GatewayProcess gw(security_db());
  const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + "PRIVATE-PIXELS" + std::string(2000, 'p');
  auto upload = [&](const std::string& token, const std::string& thread) {
    Headers h = bearer(token);
    h.emplace_back("Content-Type", "image/png");
    return http_call(gw.port(), "POST", "/v1/attachments?thread_id=" + thread + "&name=private.png", h, png);
  };
  // The victim's customer and their technician each upload to the victim's thread.
  auto by_customer = upload(gw.token(a.customer), a.thread);
  auto by_tech = upload(gw.token(a.tech, "technician"), a.thread);
  REQUIRE(by_customer.status == 201);
  REQUIRE(by_tech.status == 201);
  const std::vector<std::string> victims = {json_str(by_customer.body, "/attachment/id"),
                                            json_str(by_tech.body, "/attachment/id")};
  const auto attachments = db.scalar("SELECT count(*) FROM attachments");
  const auto messages = db.scalar("SELECT count(*) FROM chat_messages");

  for (const auto& [who, role] : std::vector<std::pair<std::string, std::string>>{{b.customer, "customer"},
                                                                                   {b.tech, "technician"}}) {
    INFO(role);
    auto token = gw.token(who, role);
    // Downloads: 404, the same as an id that does not exist, by header and by query.
    auto missing = http_call(gw.port(), "GET", "/v1/attachments/" + random_uuid(), bearer(token));
    for (const auto& id : victims) {
      auto r = http_call(gw.port(), "GET", "/v1/attachments/" + id, bearer(token));
      CHECK(r.status == 404);
      CHECK(r.body == missing.body);
      CHECK(r.body.find("PRIVATE") == std::string::npos);
      CHECK(http_call(gw.port(), "GET", "/v1/attachments/" + id + "?access_token=" + token).status == 404);
      Headers range = bearer(token);
      range.emplace_back("Range", "bytes=0-10");
      CHECK(http_call(gw.port(), "GET", "/v1/attachments/" + id, range).status == 404);
      CHECK(http_call(gw.port(), "HEAD", "/v1/attachments/" + id, bearer(token)).status == 404);
    }
    // Uploads into the victim's thread.
    CHECK(upload(token, a.thread).status == 403);
    // Attaching the victim's ids to a message of one's own thread: not_found, nothing stored.
    auto ws = connect_as(gw, who, role);
    for (const auto& id : victims) {
      ws->send(R"({"type":"send","ref":"att","thread_id":")" + b.thread +
               R"(","content":"x","message_type":"image","metadata":{"attachments":[{"id":")" + id + "\"}]}}");
      auto r = ws->recv_until([](const std::string& f) { return json_str(f, "/ref") == "att"; }, 10s);
      REQUIRE(r);
      CHECK(json_str(*r, "/code") == "not_found");
    }
    // The HTTP API on the victim's thread: refused like the frames (403 for a thread that exists), nothing changed.
    const std::string vt = "/v1/threads/" + a.thread;
    Headers h = bearer(token);
    h.emplace_back("Content-Type", "application/json");
    for (const auto& [method, target, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"GET", vt, ""},
             {"PATCH", vt, R"({"title":"ATTACK"})"},
             {"PATCH", vt, R"({"ticket_id":null})"},
             {"GET", vt + "/messages", ""},
             {"GET", vt + "/messages?after=0", ""},
             {"POST", vt + "/messages", R"({"content":"ATTACK-http"})"},
             {"POST", "/v1/threads", R"({"title":"ATTACK","ticket_id":")" + a.ticket + "\"}"}}) {
      auto r = http_call(gw.port(), method, target, h, body);
      INFO(method << " " << target << " -> " << r.status << " " << r.body);
      CHECK((r.status == 403 || r.status == 404));
      CHECK(r.body.find("private thread") == std::string::npos);
      CHECK(r.body.find("Private") == std::string::npos);
    }
    auto list = http_call(gw.port(), "GET", "/v1/threads?limit=200", bearer(token));
    CHECK(list.status == 200);
    CHECK(list.body.find(a.thread) == std::string::npos);
  }
  CHECK(db.scalar("SELECT count(*) FROM attachments") == attachments);
  CHECK(db.scalar("SELECT count(*) FROM chat_messages") == messages);
  CHECK(db.scalar("SELECT count(*) FROM chat_messages WHERE content LIKE 'ATTACK%'") == "0");
  CHECK(db.scalar("SELECT title FROM conversation_threads WHERE id = $1", {a.thread}) == "private thread");
  CHECK(db.scalar("SELECT ticket_id FROM conversation_threads WHERE id = $1", {a.thread}) == a.ticket);
}

TEST_CASE("the support desk across users: a customer cannot see the queue, claim, assign, hand off another's thread or "
          "turn the assistant back on; a technician cannot take another's ticket",
          "[e2e][security][desk]") {
  Db db(security_db());
  auto a = make_tenant(db, true, "2015 Toyota Camry LE 2.5L");
  auto b = make_tenant(db, true, "2012 Ford Focus");
  auto queued = random_uuid();
  db.exec("INSERT INTO support_tickets (id, ticket_number, issue_summary) VALUES ($1, $2, 'QUEUED-PRIVATE')",
          {queued, "TP-" + queued.substr(0, 8)});
  GatewayProcess gw(security_db());
  auto ca = join(gw, a.customer, "customer", {"thread:" + a.thread, "user:" + a.customer});
  auto cb = join(gw, b.customer, "customer", {"thread:" + b.thread, "user:" + b.customer});
  auto ta = join(gw, a.tech, "technician", {"queue:support"});

  // A customer: the queue topic, a claim (of a queued ticket, of their own), an assignment.
  CHECK(cb.refused(frame("subscribe", "q1", R"("topic":"queue:support")"), "q1") == "forbidden");
  CHECK(cb.refused(frame("ticket.claim", "q2", R"("ticket_id":)" + q(queued)), "q2") == "forbidden");
  CHECK(cb.refused(frame("ticket.claim", "q3", R"("ticket_id":)" + q(b.ticket)), "q3") == "forbidden");
  CHECK(cb.refused(frame("ticket.assign", "q4", R"("ticket_id":)" + q(queued) + R"(,"technician_id":)" + q(b.customer)),
                   "q4") == "forbidden");
  // A customer handing off another customer's thread (and a thread that does not exist).
  CHECK(denied(cb.refused(frame("handoff", "q5", R"("thread_id":)" + q(a.thread)), "q5")));
  CHECK(cb.refused(frame("handoff", "q6", R"("thread_id":)" + q(random_uuid())), "q6") == "not_found");
  // A technician claiming another technician's ticket, and assigning (admins only).
  CHECK(ta.refused(frame("ticket.claim", "q7", R"("ticket_id":)" + q(b.ticket)), "q7") == "conflict");
  CHECK(ta.refused(frame("ticket.assign", "q8", R"("ticket_id":)" + q(b.ticket) + R"(,"technician_id":)" + q(a.tech)),
                   "q8") == "forbidden");
  CHECK(db.scalar("SELECT assigned_technician::text FROM support_tickets WHERE id = $1", {b.ticket}) == b.tech);
  CHECK(db.scalar("SELECT count(*) FROM support_tickets WHERE assigned_technician IS NOT NULL AND id = $1", {queued}) ==
        "0");
  CHECK(db.scalar("SELECT count(*) FROM support_tickets WHERE customer_id = $1", {a.customer}) == "1");
  CHECK(db.scalar("SELECT assistant_enabled::text || (handoff_at IS NULL) FROM conversation_threads WHERE id = $1",
                  {a.thread}) == "falsetrue");

  // B hands off their own thread (linked to their open ticket: reused, not a new one), then may not turn the
  // assistant back on; B's technician may.
  cb.ws->send(frame("handoff", "h1", R"("thread_id":)" + q(b.thread)));
  auto h = cb.reply("h1");
  REQUIRE(h);
  CHECK(json_str(*h, "/ticket_id") == b.ticket);
  CHECK_FALSE(json_bool(*h, "/created"));
  CHECK(cb.refused(frame("thread.update", "h2", R"("thread_id":)" + q(b.thread) + R"(,"assistant":true)"), "h2") ==
        "forbidden");
  CHECK(db.scalar("SELECT assistant_enabled FROM conversation_threads WHERE id = $1", {b.thread}) == "f");
  auto tb = join(gw, b.tech, "technician", {});
  tb.ws->send(frame("thread.update", "h3", R"("thread_id":)" + q(b.thread) + R"(,"assistant":true)"));
  auto on = tb.reply("h3");
  REQUIRE(on);
  CHECK(json_str(*on, "/type") == "thread");
  // A's technician may not (not their ticket's thread).
  CHECK(denied(ta.refused(frame("thread.update", "h4", R"("thread_id":)" + q(b.thread) + R"(,"assistant":false)"),
                          "h4")));

  // The queue carries nothing to customers: a sentinel ticket reaches the technician, and no customer session saw
  // a queue event or the queued ticket's text.
  auto sentinel = random_uuid();
  db.exec("INSERT INTO support_tickets (id, ticket_number) VALUES ($1, $2)", {sentinel, "TP-" + sentinel.substr(0, 8)});
  REQUIRE(ta.seen_or_until([&](const std::string& f) {
    return json_str(f, "/type") == "ticket.queued" && json_str(f, "/ticket/id") == sentinel;
  }));
  ca.ws->send(send_frame(a.thread, "A-DESK-SENTINEL", "a9"));
  REQUIRE(ca.reply("a9"));
  REQUIRE(ca.seen_or_until([](const std::string& f) { return f.find("A-DESK-SENTINEL") != std::string::npos; }));
  cb.ws->send(send_frame(b.thread, "B-DESK-SENTINEL", "b9"));
  REQUIRE(cb.reply("b9"));
  REQUIRE(cb.seen_or_until([](const std::string& f) { return f.find("B-DESK-SENTINEL") != std::string::npos; }));
  for (auto* p : {&ca, &cb}) {
    CHECK_FALSE(p->saw("ticket.queued"));
    CHECK_FALSE(p->saw("QUEUED-PRIVATE"));
    CHECK_FALSE(p->saw(sentinel));
  }
  CHECK_FALSE(ca.saw(b.thread));
  CHECK_FALSE(cb.saw(a.thread));
}
