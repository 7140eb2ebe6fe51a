// The support desk end to end (issue 17, docs/desk.md): the handoff by frame and by the assistant's low confidence,
// two handoffs racing on two nodes, the queue topic, two technicians claiming one ticket on two nodes, an admin's
// assignment, the assistant turned back on by staff. Real gateway processes, real sockets, a real PostgreSQL.
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "support/chat_helpers.hpp"
#include "support/gateway_process.hpp"
#include "support/pg_support.hpp"
#include "support/ws_client.hpp"

using namespace techpulse::test;

namespace {

std::string desk_db() {
  static std::string url = [] {
    auto u = migrated_database("tp_test_desk_e2e");
    Db db(u);
    db.exec_script(read_file(std::string(TECHPULSE_SOURCE_DIR) + "/deploy/demo/knowledge_base.sql"));
    return u;
  }();
  return url;
}

std::map<std::string, std::string> no_ai() { return {{"TECHPULSE_AI_WORKERS", "0"}}; }

// A connection that keeps every frame it read: events may arrive before the reply that caused them (NOTIFY is
// delivered at commit), so a wait looks at what was read already first. Each frame is matched once.
struct Client {
  std::unique_ptr<WsClient> ws;
  std::vector<std::string> unread;

  std::optional<std::string> until(const std::function<bool(const std::string&)>& pred,
                                   std::chrono::milliseconds t = 10s) {
    for (auto it = unread.begin(); it != unread.end(); ++it) {
      if (pred(*it)) {
        auto f = *it;
        unread.erase(it);
        return f;
      }
    }
    std::optional<std::string> hit;
    ws->recv_until(
        [&](const std::string& f) {
          if (pred(f)) {
            hit = f;
            return true;
          }
          unread.push_back(f);
          return false;
        },
        t);
    return hit;
  }
  WsClient* operator->() { return ws.get(); }
};

Client open_as(const GatewayProcess& gw, const std::string& user, const std::string& role) {
  return Client{connect_as(gw, user, role), {}};
}

std::optional<std::string> reply(Client& c, const std::string& ref, std::chrono::milliseconds t = 10s) {
  return c.until([&](const std::string& f) { return json_str(f, "/ref") == ref; }, t);
}

std::string request(Client& c, const std::string& frame, const std::string& ref) {
  c->send(frame);
  auto r = reply(c, ref);
  INFO(frame);
  REQUIRE(r);
  return *r;
}

auto event(const std::string& type, const std::string& pointer, const std::string& value) {
  return [=](const std::string& f) { return json_str(f, "/type") == type && json_str(f, pointer) == value; };
}

std::string handoff_frame(const std::string& thread, const std::string& ref, const std::string& reason = {}) {
  return R"({"type":"handoff","ref":")" + ref + R"(","thread_id":")" + thread + "\"" +
         (reason.empty() ? std::string() : R"(,"reason":")" + reason + "\"") + "}";
}
std::string claim_frame(const std::string& ticket, const std::string& ref) {
  return R"({"type":"ticket.claim","ref":")" + ref + R"(","ticket_id":")" + ticket + "\"}";
}
std::string queue_sub(const std::string& ref) {
  return R"({"type":"subscribe","ref":")" + ref + R"(","topic":"queue:support"})";
}

// A customer with a name and phone, and their thread, with one message from them (stored before the gateway sees
// the thread, so no assistant turn runs for it).
struct Customer {
  std::string id, thread;
};
Customer make_customer(Db& db, const std::string& first_message, const std::string& metadata = "{}") {
  Customer c;
  c.id = make_profile(db, "customer");
  db.exec("UPDATE profiles SET full_name = 'Dana Driver', phone = '+1 555 0100' WHERE id = $1", {c.id});
  c.thread = random_uuid();
  db.exec("INSERT INTO conversation_threads (id, user_id, title, metadata) VALUES ($1, $2, 'desk', $3::jsonb)",
          {c.thread, c.id, metadata});
  db.exec("INSERT INTO chat_messages (thread_id, sender_id, role, content, created_at) "
          "VALUES ($1, $2, 'user', $3, now() - interval '1 hour')",
          {c.thread, c.id, first_message});
  return c;
}

}  // namespace

TEST_CASE("handoff by frame: one ticket with the analysis, the queue sees it, the assistant stays off until staff "
          "turns it on",
          "[e2e][desk]") {
  Db db(desk_db());
  auto cust = make_customer(db, "Smoke comes from under the hood and the brakes feel soft",
                            R"({"vehicle":"2016 Honda Civic EX","vin":"2HGFC2F59GH512345"})");
  auto tech = make_profile(db, "technician");
  GatewayProcess gw(desk_db(), no_ai());

  auto t = open_as(gw, tech, "technician");
  auto q = request(t, queue_sub("q"), "q");
  REQUIRE(json_str(q, "/type") == "subscribed");
  REQUIRE(json_has(q, "/tickets"));

  auto c = open_as(gw, cust.id, "customer");
  request(c, subscribe_frame(cust.thread, "s"), "s");
  auto h = request(c, handoff_frame(cust.thread, "h1", "I want a person"), "h1");
  REQUIRE(json_str(h, "/type") == "handoff");
  CHECK(json_bool(h, "/created"));
  CHECK_FALSE(json_bool(h, "/duplicate"));
  const std::string ticket = json_str(h, "/ticket_id");
  REQUIRE(ticket.size() == 36);

  // The customer is told a technician will join, in the thread.
  auto sys = c.until(event("message", "/message/role", "system"));
  REQUIRE(sys);
  CHECK(json_str(*sys, "/message/content").find("A technician will join") != std::string::npos);

  // The ticket: profile, thread context, summary, analysis, the safety rule's priority.
  auto row = db.exec("SELECT customer_name, customer_phone, vehicle_info, vin, issue_summary, priority, status, "
                     "handoff_reason, ai_analysis::jsonb ->> 'note', customer_id, assigned_technician "
                     "FROM support_tickets WHERE id = $1", {ticket});
  REQUIRE(row.size() == 1);
  CHECK(*row[0][0] == "Dana Driver");
  CHECK(*row[0][1] == "+1 555 0100");
  CHECK(*row[0][2] == "2016 Honda Civic EX");
  CHECK(*row[0][3] == "2HGFC2F59GH512345");
  CHECK(row[0][4]->find("Smoke comes from under the hood") != std::string::npos);
  CHECK(*row[0][5] == "high");
  CHECK(*row[0][6] == "open");
  CHECK(*row[0][7] == "customer_request");
  CHECK(*row[0][8] == "I want a person");
  CHECK(*row[0][9] == cust.id);
  CHECK_FALSE(row[0][10].has_value());
  CHECK(db.scalar("SELECT ticket_id::text || '|' || assistant_enabled FROM conversation_threads WHERE id = $1",
                  {cust.thread}) == ticket + "|false");

  // The queue hears of it.
  auto queued = t.until(event("ticket.queued", "/ticket/id", ticket));
  REQUIRE(queued);
  CHECK(json_str(*queued, "/topic") == "queue:support");
  CHECK(json_str(*queued, "/ticket/threads/0") == cust.thread);

  // A second handoff changes nothing.
  auto again = request(c, handoff_frame(cust.thread, "h2"), "h2");
  CHECK(json_bool(again, "/duplicate"));
  CHECK(json_str(again, "/ticket_id") == ticket);
  CHECK(db.scalar("SELECT count(*) FROM support_tickets WHERE customer_id = $1", {cust.id}) == "1");
  CHECK(db.scalar("SELECT count(*) FROM chat_messages WHERE thread_id = $1 AND role = 'system'", {cust.thread}) == "1");

  // The assistant does not answer the thread any more: the customer's next message makes no turn.
  auto ack = request(c, send_frame(cust.thread, "hello? anyone?", "s1"), "s1");
  REQUIRE(json_str(ack, "/type") == "ack");
  CHECK(db.scalar("SELECT count(*) FROM assistant_jobs j JOIN chat_messages m ON m.id = j.message_id "
                  "WHERE m.thread_id = $1", {cust.thread}) == "0");
  // ... and the customer may not turn it back on; staff may.
  auto on = request(c, R"({"type":"thread.update","ref":"u1","thread_id":")" + cust.thread + R"(","assistant":true})",
                    "u1");
  CHECK(json_str(on, "/code") == "forbidden");
  CHECK(db.scalar("SELECT assistant_enabled FROM conversation_threads WHERE id = $1", {cust.thread}) == "f");

  // The technician claims it: ticket reply, then subscribed to the ticket's topic with the same ref, at once.
  t->send(claim_frame(ticket, "k1"));
  auto won = reply(t, "k1");
  REQUIRE(won);
  REQUIRE(json_str(*won, "/type") == "ticket");
  CHECK(json_str(*won, "/ticket/assigned_technician") == tech);
  auto granted = reply(t, "k1");
  REQUIRE(granted);
  CHECK(json_str(*granted, "/type") == "subscribed");
  CHECK(json_str(*granted, "/topic") == "ticket:" + ticket);
  auto on2 = request(t, R"({"type":"thread.update","ref":"u2","thread_id":")" + cust.thread + R"(","assistant":true})",
                     "u2");
  CHECK(json_str(on2, "/type") == "thread");
  CHECK(db.scalar("SELECT assistant_enabled || '|' || (handoff_at IS NULL) FROM conversation_threads WHERE id = $1",
                  {cust.thread}) == "true|true");
}

TEST_CASE("two handoffs of one thread racing on two nodes make one ticket", "[e2e][desk]") {
  Db db(desk_db());
  GatewayProcess a(desk_db(), no_ai());
  GatewayProcess b(desk_db(), no_ai());
  for (int round = 0; round < 5; ++round) {
    auto cust = make_customer(db, "The check engine light is on");
    auto ca = open_as(a, cust.id, "customer");
    auto cb = open_as(b, cust.id, "customer");
    // Both frames are written before either reply is read.
    ca->send(handoff_frame(cust.thread, "ha"));
    cb->send(handoff_frame(cust.thread, "hb"));
    auto ra = reply(ca, "ha");
    auto rb = reply(cb, "hb");
    REQUIRE(ra);
    REQUIRE(rb);
    REQUIRE(json_str(*ra, "/type") == "handoff");
    REQUIRE(json_str(*rb, "/type") == "handoff");
    CHECK(json_str(*ra, "/ticket_id") == json_str(*rb, "/ticket_id"));
    CHECK(json_bool(*ra, "/created") != json_bool(*rb, "/created"));  // exactly one made it
    CHECK(db.scalar("SELECT count(*) FROM support_tickets WHERE customer_id = $1", {cust.id}) == "1");
    CHECK(db.scalar("SELECT count(*) FROM chat_messages WHERE thread_id = $1 AND role = 'system'", {cust.thread}) ==
          "1");
  }
}

TEST_CASE("the assistant hands off a question the knowledge base cannot answer: one ticket with its analysis",
          "[e2e][desk]") {
  Db db(desk_db());
  auto cust = make_customer(db, "Hello");
  db.exec("UPDATE conversation_threads SET metadata = '{\"vehicle\":\"2015 Toyota Camry LE 2.5L\"}' WHERE id = $1",
          {cust.thread});
  GatewayProcess gw(desk_db(), {{"TECHPULSE_AI_WORKERS", "1"}, {"TECHPULSE_AI_HANDOFF_CONFIDENCE", "0.35"}});
  auto c = open_as(gw, cust.id, "customer");
  request(c, subscribe_frame(cust.thread, "s"), "s");
  request(c, send_frame(cust.thread, "Can you recommend a good pizza place near the quantum observatory?", "s1"),
          "s1");
  // The answer, then the system message of the handoff.
  auto done = c.until([](const std::string& f) { return json_str(f, "/type") == "assistant.done"; }, 30s);
  REQUIRE(done);
  auto sys = c.until(event("message", "/message/role", "system"));
  REQUIRE(sys);
  const std::string ticket = json_str(*sys, "/message/metadata/ticket_id");
  REQUIRE(ticket.size() == 36);
  auto row = db.exec("SELECT handoff_reason, ai_analysis::jsonb ->> 'requested_by', ai_analysis::jsonb ->> 'confidence', "
                     "ai_analysis::jsonb ->> 'question', ai_analysis::jsonb ? 'sources', vehicle_info, priority "
                     "FROM support_tickets WHERE id = $1", {ticket});
  REQUIRE(row.size() == 1);
  CHECK((*row[0][0] == "no_sources" || *row[0][0] == "low_confidence"));
  CHECK(*row[0][1] == "assistant");
  REQUIRE(row[0][2]);
  CHECK(std::stod(*row[0][2]) < 0.35);
  CHECK(row[0][3]->find("quantum observatory") != std::string::npos);
  CHECK(*row[0][4] == "t");
  CHECK(*row[0][5] == "2015 Toyota Camry LE 2.5L");
  CHECK(*row[0][6] == "normal");
  CHECK(db.scalar("SELECT count(*) FROM support_tickets WHERE customer_id = $1", {cust.id}) == "1");
  CHECK(db.scalar("SELECT assistant_enabled FROM conversation_threads WHERE id = $1", {cust.thread}) == "f");
}

TEST_CASE("two technicians claim one ticket at once on two nodes: exactly one wins, both see ticket.claimed",
          "[e2e][desk]") {
  Db db(desk_db());
  GatewayProcess a(desk_db(), no_ai());
  GatewayProcess b(desk_db(), no_ai());
  auto t1 = make_profile(db, "technician");
  auto t2 = make_profile(db, "technician");
  auto w1 = open_as(a, t1, "technician");
  auto w2 = open_as(b, t2, "technician");
  REQUIRE(json_str(request(w1, queue_sub("q1"), "q1"), "/type") == "subscribed");
  REQUIRE(json_str(request(w2, queue_sub("q2"), "q2"), "/type") == "subscribed");
  for (int round = 0; round < 5; ++round) {
    // A ticket queued by plain SQL.
    auto ticket = random_uuid();
    db.exec("INSERT INTO support_tickets (id, ticket_number, issue_summary) VALUES ($1, $2, 'Noise from the rear')",
            {ticket, "SQL-" + ticket.substr(0, 8)});
    for (auto* w : {&w1, &w2}) REQUIRE(w->until(event("ticket.queued", "/ticket/id", ticket)));
    w1->send(claim_frame(ticket, "c1"));
    w2->send(claim_frame(ticket, "c2"));
    auto r1 = reply(w1, "c1");
    auto r2 = reply(w2, "c2");
    REQUIRE(r1);
    REQUIRE(r2);
    const bool one_won = json_str(*r1, "/type") == "ticket";
    const bool two_won = json_str(*r2, "/type") == "ticket";
    CHECK(one_won != two_won);
    const auto& loser = one_won ? *r2 : *r1;
    CHECK(json_str(loser, "/code") == "conflict");
    const std::string winner = one_won ? t1 : t2;
    CHECK(db.scalar("SELECT assigned_technician::text FROM support_tickets WHERE id = $1", {ticket}) == winner);
    // Both see it claimed, naming the winner.
    for (auto* w : {&w1, &w2}) {
      auto claimed = w->until(event("ticket.claimed", "/ticket/id", ticket));
      REQUIRE(claimed);
      CHECK(json_str(*claimed, "/ticket/assigned_technician") == winner);
    }
    // The winner was subscribed to the ticket's topic with the claim's ref.
    auto& ww = one_won ? w1 : w2;
    auto granted = reply(ww, one_won ? "c1" : "c2");
    REQUIRE(granted);
    CHECK(json_str(*granted, "/type") == "subscribed");
    CHECK(json_str(*granted, "/topic") == "ticket:" + ticket);
  }
}

TEST_CASE("an admin assigns a queued ticket to a technician; a subscriber to the queue gets the queue in subscribed",
          "[e2e][desk]") {
  Db db(desk_db());
  GatewayProcess gw(desk_db(), no_ai());
  auto admin = make_profile(db, "admin");
  auto tech = make_profile(db, "technician");
  auto ticket = random_uuid();
  db.exec("INSERT INTO support_tickets (id, ticket_number, issue_summary) VALUES ($1, $2, 'Battery dies overnight')",
          {ticket, "SQL-" + ticket.substr(0, 8)});
  auto w = open_as(gw, admin, "admin");
  auto sub = request(w, queue_sub("q"), "q");
  REQUIRE(json_str(sub, "/type") == "subscribed");
  CHECK(sub.find(ticket) != std::string::npos);
  auto tw = open_as(gw, tech, "technician");
  tw->send(R"({"type":"subscribe","ref":"u","topic":"user:)" + tech + "\"}");
  REQUIRE(reply(tw, "u"));
  auto r = request(w,
                   R"({"type":"ticket.assign","ref":"a1","ticket_id":")" + ticket + R"(","technician_id":")" + tech +
                       "\"}",
                   "a1");
  REQUIRE(json_str(r, "/type") == "ticket");
  CHECK(json_str(r, "/ticket/assigned_technician") == tech);
  CHECK(tw.until(event("ticket.assigned", "/ticket/id", ticket)));
  CHECK(w.until(event("ticket.claimed", "/ticket/id", ticket)));
  // Assigning to a customer is refused.
  auto cust = make_profile(db, "customer");
  auto bad = request(w,
                     R"({"type":"ticket.assign","ref":"a2","ticket_id":")" + ticket + R"(","technician_id":")" + cust +
                         "\"}",
                     "a2");
  CHECK(json_str(bad, "/code") == "not_found");
  CHECK(db.scalar("SELECT assigned_technician::text FROM support_tickets WHERE id = $1", {ticket}) == tech);
}

TEST_CASE("--routing least-loaded gives a queued ticket to the connected technician with the fewest open tickets",
          "[e2e][desk]") {
  Db db(desk_db());
  GatewayProcess gw(desk_db(), {{"TECHPULSE_AI_WORKERS", "0"}, {"TECHPULSE_ROUTING", "least-loaded"}});
  auto busy = make_profile(db, "technician");
  auto idle = make_profile(db, "technician");
  auto offline = make_profile(db, "technician");  // has no open ticket, but is not connected
  for (int i = 0; i < 2; ++i) {
    db.exec("INSERT INTO support_tickets (ticket_number, assigned_technician, status) VALUES ($1, $2, 'in_progress')",
            {"BUSY-" + random_uuid().substr(0, 8), busy});
  }
  db.exec("INSERT INTO support_tickets (ticket_number, assigned_technician, status) VALUES ($1, $2, 'in_progress')",
          {"IDLE-" + random_uuid().substr(0, 8), idle});
  auto wb = open_as(gw, busy, "technician");
  auto wi = open_as(gw, idle, "technician");
  // Both sessions are tracked online on the node's storage loop when they open (before their welcome), so the
  // router, on that loop, knows them when the ticket's notification arrives.
  REQUIRE(json_str(request(wb, queue_sub("q"), "q"), "/type") == "subscribed");
  wi->send(R"({"type":"subscribe","ref":"u","topic":"user:)" + idle + "\"}");
  REQUIRE(reply(wi, "u"));
  auto ticket = random_uuid();
  db.exec("INSERT INTO support_tickets (id, ticket_number) VALUES ($1, $2)", {ticket, "NEW-" + ticket.substr(0, 8)});
  REQUIRE(wi.until(event("ticket.assigned", "/ticket/id", ticket)));
  CHECK(db.scalar("SELECT assigned_technician::text FROM support_tickets WHERE id = $1", {ticket}) == idle);
  (void)offline;
}
