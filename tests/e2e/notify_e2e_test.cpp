// Offline notifications end to end (issue 17, docs/webhooks.md): a local HTTP receiver speaking real HTTP/1.1 gets
// one signed notification for a message left unread by a disconnected customer, none for a connected one or one
// who read it, a retry after a 500, and, with two nodes, each notification once. The signature is verified the way
// docs/webhooks.md tells a receiver to. Real gateway processes, real sockets, a real PostgreSQL.
#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <map>
#include <set>
#include <string>
#include <thread>

#include "support/chat_helpers.hpp"
#include "support/gateway_process.hpp"
#include "support/pg_support.hpp"
#include "support/webhook_receiver.hpp"
#include "support/ws_client.hpp"

using namespace techpulse::test;

namespace {

const std::string kSecret = "whsec-test-0123456789";

std::string notify_db() {
  static std::string url = migrated_database("tp_test_notify_e2e");
  return url;
}

std::map<std::string, std::string> notify_env(const WebhookReceiver& rx) {
  return {{"TECHPULSE_AI_WORKERS", "0"},          {"TECHPULSE_NOTIFY_AFTER", "0.3"},
          {"TECHPULSE_WEBHOOK_URL", rx.url()},     {"TECHPULSE_WEBHOOK_SECRET", kSecret},
          {"TECHPULSE_WEBHOOK_RETRY_BASE_MS", "200"}};
}

// docs/webhooks.md: split "t=<ts>,v1=<hex>", compute HMAC-SHA256(secret, "<ts>.<body>") in hex, compare.
bool signature_valid(const WebhookReceiver::Request& r, const std::string& secret) {
  const std::string h = r.header("techpulse-signature");
  auto t_at = h.find("t="), v_at = h.find(",v1=");
  if (t_at != 0 || v_at == std::string::npos) return false;
  const std::string ts = h.substr(2, v_at - 2), v1 = h.substr(v_at + 4);
  const std::string signed_payload = ts + "." + r.body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_payload.data()), signed_payload.size(), mac, &len);
  std::string hex;
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", mac[i]);
  const long age = std::labs(std::time(nullptr) - std::stol(ts));
  return hex == v1 && age < 300;
}

// A customer with a support ticket assigned to tech and a thread on it (assistant off).
struct Customer {
  std::string id, ticket, thread;
};
Customer make_customer(Db& db, const std::string& tech) {
  Customer c;
  c.id = make_profile(db, "customer");
  db.exec("UPDATE profiles SET full_name = 'Robin Roe', phone = '+1 555 0199', email = 'robin@example.com' "
          "WHERE id = $1", {c.id});
  c.ticket = random_uuid();
  db.exec("INSERT INTO support_tickets (id, ticket_number, assigned_technician, customer_id, status) "
          "VALUES ($1, $2, $3, $4, 'in_progress')",
          {c.ticket, "N-" + c.ticket.substr(0, 8), tech, c.id});
  c.thread = random_uuid();
  db.exec("INSERT INTO conversation_threads (id, user_id, ticket_id, title, assistant_enabled) "
          "VALUES ($1, $2, $3, 'notify', false)",
          {c.thread, c.id, c.ticket});
  return c;
}

std::optional<std::string> reply(WsClient& c, const std::string& ref) {
  return c.recv_until([&](const std::string& f) { return json_str(f, "/ref") == ref; });
}

// The technician writes to the customer's thread through the gateway; returns the message id.
std::string tech_says(WsClient& tech, const Customer& c, const std::string& text, const std::string& ref) {
  tech.send(send_frame(c.thread, text, ref));
  auto ack = reply(tech, ref);
  REQUIRE(ack);
  REQUIRE(json_str(*ack, "/type") == "ack");
  return json_str(*ack, "/message_id");
}

// Waits (bounded: 100 looks over at most 10 s) until the SQL returns `want`.
bool db_gets(Db& db, const std::string& sql, const std::vector<std::optional<std::string>>& p, const std::string& want) {
  for (int i = 0; i < 100; ++i) {
    if (db.scalar(sql, p) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

auto for_user(const std::string& user) {
  return [user](const WebhookReceiver::Request& r) { return json_str(r.body, "/recipient/user_id") == user; };
}

size_t count_for(const WebhookReceiver& rx, const std::string& user) {
  size_t n = 0;
  for (const auto& r : rx.requests()) n += json_str(r.body, "/recipient/user_id") == user;
  return n;
}

}  // namespace

TEST_CASE("one signed notification for an unread message to a disconnected customer; none to a connected one or "
          "one who read it",
          "[e2e][notify]") {
  Db db(notify_db());
  WebhookReceiver rx;
  GatewayProcess gw(notify_db(), notify_env(rx));
  auto tech = make_profile(db, "technician");
  auto offline = make_customer(db, tech);
  auto online = make_customer(db, tech);
  auto reader = make_customer(db, tech);
  auto sentinel = make_customer(db, tech);
  auto t = connect_as(gw, tech, "technician");

  // The connected customer stays connected throughout.
  auto con = connect_as(gw, online.id, "customer");
  subscribe(*con, online.thread);
  // The reader gets the message, reads it, and leaves.
  auto rd = connect_as(gw, reader.id, "customer");
  subscribe(*rd, reader.thread);

  const std::string m1 = tech_says(*t, offline, "Your car is ready for pickup at 5 pm", "m1");
  tech_says(*t, online, "We found the leak", "m2");
  tech_says(*t, reader, "The part arrives tomorrow", "m3");
  auto got = rd->recv_type("message");
  REQUIRE(got);
  rd->send(R"({"type":"read","ref":"r1","thread_id":")" + reader.thread + R"(","cursor":")" +
           json_str(*got, "/cursor") + "\"}");
  REQUIRE(reply(*rd, "r1"));
  rd->close();
  // Cancelled by the read (at once, or by the dispatcher if it held the row at that moment).
  CHECK(db_gets(db, "SELECT status FROM notification_outbox WHERE recipient_id = $1", {reader.id}, "cancelled"));

  // The disconnected customer: one notification, signed, with who, thread, ticket, preview and a unique id.
  auto req = rx.wait_for(for_user(offline.id));
  REQUIRE(req);
  CHECK(req->method == "POST");
  CHECK(req->target == "/hooks/techpulse");
  CHECK(req->header("content-type") == "application/json");
  CHECK(signature_valid(*req, kSecret));
  CHECK_FALSE(signature_valid(*req, "another-secret"));
  CHECK(json_str(req->body, "/type") == "message.unread");
  CHECK(json_str(req->body, "/recipient/role") == "customer");
  CHECK(json_str(req->body, "/recipient/name") == "Robin Roe");
  CHECK(json_str(req->body, "/recipient/phone") == "+1 555 0199");
  CHECK(json_str(req->body, "/thread_id") == offline.thread);
  CHECK(json_str(req->body, "/ticket_id") == offline.ticket);
  CHECK(json_str(req->body, "/message/id") == m1);
  CHECK(json_str(req->body, "/message/preview") == "Your car is ready for pickup at 5 pm");
  const std::string id = json_str(req->body, "/id");
  CHECK(db.scalar("SELECT recipient_id::text FROM notification_outbox WHERE id = $1", {id}) == offline.id);
  CHECK(db_gets(db, "SELECT status FROM notification_outbox WHERE id = $1", {id}, "sent"));

  // The connected customer's notification came due and was deferred, not sent.
  CHECK(db_gets(db, "SELECT (deferrals >= 1)::text || status FROM notification_outbox WHERE recipient_id = $1",
                {online.id}, "truepending"));

  // A later message to the offline customer, still unread: no second notification for the same unread stretch.
  tech_says(*t, offline, "Also: the wipers are worn", "m4");
  CHECK(db.scalar("SELECT count(*) FROM notification_outbox WHERE recipient_id = $1", {offline.id}) == "1");

  // Barrier: a notification created after all of the above is delivered (oldest due first), so anything the
  // others would have caused has been sent by then.
  tech_says(*t, sentinel, "Sentinel", "m5");
  REQUIRE(rx.wait_for(for_user(sentinel.id)));
  CHECK(count_for(rx, offline.id) == 1);
  CHECK(count_for(rx, online.id) == 0);
  CHECK(count_for(rx, reader.id) == 0);
  CHECK(count_for(rx, tech) == 0);  // the sender is never notified of their own message
}

TEST_CASE("a notification the receiver answers 500 is retried, signed again, with the same id", "[e2e][notify]") {
  Db db(notify_db());
  // What an earlier test left pending (its connected customer is offline now) would take the receiver's 500.
  db.exec("UPDATE notification_outbox SET status = 'cancelled' WHERE status IN ('pending', 'sending')");
  WebhookReceiver rx({500, 200});
  GatewayProcess gw(notify_db(), notify_env(rx));
  auto tech = make_profile(db, "technician");
  auto cust = make_customer(db, tech);
  auto t = connect_as(gw, tech, "technician");
  tech_says(*t, cust, "Please call us back", "m1");
  REQUIRE(rx.wait_count(2) >= 2);
  auto reqs = rx.requests();
  REQUIRE(reqs.size() >= 2);
  CHECK(json_str(reqs[0].body, "/id") == json_str(reqs[1].body, "/id"));
  CHECK(signature_valid(reqs[0], kSecret));
  CHECK(signature_valid(reqs[1], kSecret));
  const std::string id = json_str(reqs[0].body, "/id");
  CHECK(db_gets(db, "SELECT status || '|' || attempts FROM notification_outbox WHERE id = $1", {id}, "sent|2"));
  CHECK(rx.requests().size() == 2);
}

TEST_CASE("two nodes share the outbox: each notification is POSTed once", "[e2e][notify]") {
  Db db(notify_db());
  WebhookReceiver rx;
  GatewayProcess a(notify_db(), notify_env(rx));
  GatewayProcess b(notify_db(), notify_env(rx));
  auto tech = make_profile(db, "technician");
  auto t = connect_as(a, tech, "technician");
  std::vector<Customer> customers;
  for (int i = 0; i < 12; ++i) {
    customers.push_back(make_customer(db, tech));
    tech_says(*t, customers.back(), "Update " + std::to_string(i), "m" + std::to_string(i));
  }
  for (const auto& c : customers) REQUIRE(rx.wait_for(for_user(c.id)));
  // Every row is settled as sent, and the receiver saw each id once.
  for (const auto& c : customers) {
    CHECK(db_gets(db, "SELECT status FROM notification_outbox WHERE recipient_id = $1", {c.id}, "sent"));
  }
  // (The receiver may also get a notification an earlier test left pending: its customer is offline now.)
  std::set<std::string> ids, mine;
  for (const auto& c : customers) mine.insert(c.id);
  size_t ours = 0;
  for (const auto& r : rx.requests()) {
    CHECK(ids.insert(json_str(r.body, "/id")).second);
    CHECK(signature_valid(r, kSecret));
    ours += mine.count(json_str(r.body, "/recipient/user_id"));
  }
  CHECK(ours == customers.size());
}
