// The HTTP API for chat (docs/http-api.md) end to end: each route's success, a forbidden case and a bad request,
// with the WebSocket protocol's codes; Idempotency-Key; a message posted over HTTP reaching a WebSocket subscriber
// with its cursor; the per-connection rate limit. Real binary, real sockets, real PostgreSQL.
#include <catch2/catch.hpp>

#include "support/chat_helpers.hpp"
#include "support/gateway_process.hpp"
#include "support/http_client.hpp"
#include "support/pg_support.hpp"
#include "support/ws_client.hpp"

using namespace techpulse::test;

namespace {

std::string api_db() { return migrated_database("tp_test_http_api_e2e"); }

Headers json_headers(const std::string& token) {
  Headers h = bearer(token);
  h.emplace_back("Content-Type", "application/json");
  return h;
}

std::string error_of(const HttpResult& r) { return json_str(r.body, "/error"); }

}  // namespace

TEST_CASE("every route refuses a request without a valid token with 401 and a JSON error", "[e2e][http_api]") {
  Db db(api_db());
  auto alice = make_profile(db);
  auto thread = make_thread(db, alice);
  GatewayProcess gw(api_db());
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/v1/threads"},         {"POST", "/v1/threads"},
      {"GET", "/v1/threads/" + thread}, {"PATCH", "/v1/threads/" + thread},
      {"GET", "/v1/threads/" + thread + "/messages"}, {"POST", "/v1/threads/" + thread + "/messages"}};
  for (const auto& [method, target] : routes) {
    auto none = http_call(gw.port(), method, target, {}, method == "GET" ? "" : "{}");
    INFO(method << " " << target << " -> " << none.status << " " << none.body);
    CHECK(none.status == 401);
    CHECK(error_of(none) == "unauthorized");
    CHECK(http_call(gw.port(), method, target, bearer("not.a.token"), "{}").status == 401);
    // A token whose sub has no profile.
    CHECK(http_call(gw.port(), method, target, bearer(gw.token(random_uuid())), "{}").status == 401);
    // The access_token query parameter is for attachments only.
    CHECK(http_call(gw.port(), method, target + "?access_token=" + gw.token(alice), {}, "{}").status == 401);
  }
}

TEST_CASE("threads: list, create, read and update, with the WebSocket's authorization and validation",
          "[e2e][http_api]") {
  Db db(api_db());
  auto alice = make_profile(db), bob = make_profile(db);
  auto bobs = make_thread(db, bob, "bob's");
  GatewayProcess gw(api_db());
  auto a = gw.token(alice), b = gw.token(bob);

  auto created = http_call(gw.port(), "POST", "/v1/threads", json_headers(a), R"({"title":"Brakes","assistant":false})");
  INFO(created.body);
  REQUIRE(created.status == 201);
  auto id = json_str(created.body, "/thread/id");
  CHECK(json_str(created.body, "/thread/title") == "Brakes");
  CHECK(json_str(created.body, "/thread/user_id") == alice);
  CHECK(http_call(gw.port(), "POST", "/v1/threads", json_headers(a), R"({"assistant":"yes"})").status == 400);
  CHECK(http_call(gw.port(), "POST", "/v1/threads", json_headers(a), "{not json").status == 400);
  auto long_title = http_call(gw.port(), "POST", "/v1/threads", json_headers(a),
                              R"({"title":")" + std::string(201, 'x') + "\"}");
  CHECK(long_title.status == 413);
  CHECK(error_of(long_title) == "too_large");
  // Linking to a ticket that is not alice's: refused like thread.create.
  auto ticket = random_uuid();
  db.exec("INSERT INTO support_tickets (id, customer_id) VALUES ($1, $2)", {ticket, bob});
  auto link = http_call(gw.port(), "POST", "/v1/threads", json_headers(a), R"({"ticket_id":")" + ticket + "\"}");
  CHECK(link.status == 403);
  CHECK(error_of(link) == "forbidden");

  auto list = http_call(gw.port(), "GET", "/v1/threads?limit=10", bearer(a));
  REQUIRE(list.status == 200);
  CHECK(list.body.find(id) != std::string::npos);
  CHECK(list.body.find(bobs) == std::string::npos);
  CHECK(json_has(list.body, "/has_more"));
  CHECK(http_call(gw.port(), "GET", "/v1/threads?limit=0", bearer(a)).status == 400);
  CHECK(http_call(gw.port(), "GET", "/v1/threads?before=garbage", bearer(a)).status == 400);
  // Paging: two threads, one per page.
  http_call(gw.port(), "POST", "/v1/threads", json_headers(a), R"({"title":"second"})");
  auto page1 = http_call(gw.port(), "GET", "/v1/threads?limit=1", bearer(a));
  REQUIRE(page1.status == 200);
  CHECK(json_bool(page1.body, "/has_more"));
  auto page2 = http_call(gw.port(), "GET", "/v1/threads?limit=1&before=" + json_str(page1.body, "/next_before"), bearer(a));
  REQUIRE(page2.status == 200);
  CHECK(json_str(page2.body, "/threads/0/id") != json_str(page1.body, "/threads/0/id"));

  auto got = http_call(gw.port(), "GET", "/v1/threads/" + id, bearer(a));
  REQUIRE(got.status == 200);
  CHECK(json_str(got.body, "/thread/id") == id);
  CHECK(json_has(got.body, "/thread/unread"));
  auto theirs = http_call(gw.port(), "GET", "/v1/threads/" + bobs, bearer(a));
  CHECK(theirs.status == 403);
  CHECK(error_of(theirs) == "forbidden");
  CHECK(theirs.body.find("bob's") == std::string::npos);
  CHECK(http_call(gw.port(), "GET", "/v1/threads/" + random_uuid(), bearer(a)).status == 404);
  CHECK(http_call(gw.port(), "GET", "/v1/threads/nope", bearer(a)).status == 400);

  auto patched = http_call(gw.port(), "PATCH", "/v1/threads/" + id, json_headers(a), R"({"title":"Brake noise"})");
  REQUIRE(patched.status == 200);
  CHECK(json_str(patched.body, "/thread/title") == "Brake noise");
  CHECK(http_call(gw.port(), "PATCH", "/v1/threads/" + bobs, json_headers(a), R"({"title":"mine"})").status == 403);
  CHECK(db.scalar("SELECT title FROM conversation_threads WHERE id = $1", {bobs}) == "bob's");
  CHECK(http_call(gw.port(), "PATCH", "/v1/threads/" + id, json_headers(a), R"({"title":5})").status == 400);
  auto wrong = http_call(gw.port(), "DELETE", "/v1/threads/" + id, bearer(a));
  CHECK(wrong.status == 405);
  CHECK(wrong.header("allow") == "GET, PATCH");
}

TEST_CASE("messages: post with Idempotency-Key stores one row, reaches a WebSocket subscriber with its cursor, and "
          "pages both ways",
          "[e2e][http_api]") {
  Db db(api_db());
  auto alice = make_profile(db), bob = make_profile(db);
  auto thread = make_thread(db, alice), bobs = make_thread(db, bob);
  GatewayProcess gw(api_db());
  auto a = gw.token(alice);
  auto ws = connect_as(gw, alice);
  subscribe(*ws, thread, "s");

  Headers h = json_headers(a);
  h.emplace_back("Idempotency-Key", "ticket-4711-note-1");
  auto first = http_call(gw.port(), "POST", "/v1/threads/" + thread + "/messages", h, R"({"content":"from the back-end"})");
  INFO(first.body);
  REQUIRE(first.status == 201);
  CHECK(json_str(first.body, "/message/content") == "from the back-end");
  CHECK(json_str(first.body, "/message/sender_id") == alice);
  CHECK_FALSE(json_bool(first.body, "/duplicate"));
  auto cursor = json_str(first.body, "/cursor");
  auto frame = ws->recv_type("message", 10s);
  REQUIRE(frame);
  CHECK(json_str(*frame, "/cursor") == cursor);
  CHECK(json_str(*frame, "/message/id") == json_str(first.body, "/message/id"));

  auto again = http_call(gw.port(), "POST", "/v1/threads/" + thread + "/messages", h, R"({"content":"from the back-end"})");
  REQUIRE(again.status == 200);
  CHECK(json_bool(again.body, "/duplicate"));
  CHECK(json_str(again.body, "/message/id") == json_str(first.body, "/message/id"));
  CHECK(json_str(again.body, "/cursor") == cursor);
  CHECK(db.scalar("SELECT count(*) FROM chat_messages WHERE thread_id = $1", {thread}) == "1");

  // Forbidden, not found, bad requests: nothing stored.
  auto theirs = http_call(gw.port(), "POST", "/v1/threads/" + bobs + "/messages", json_headers(a), R"({"content":"hi"})");
  CHECK(theirs.status == 403);
  CHECK(error_of(theirs) == "forbidden");
  CHECK(http_call(gw.port(), "POST", "/v1/threads/" + random_uuid() + "/messages", json_headers(a),
                  R"({"content":"hi"})").status == 404);
  CHECK(http_call(gw.port(), "POST", "/v1/threads/" + thread + "/messages", json_headers(a), "{}").status == 400);
  CHECK(http_call(gw.port(), "POST", "/v1/threads/" + thread + "/messages", json_headers(a),
                  R"({"content":"x","message_type":"video"})").status == 400);
  auto huge = http_call(gw.port(), "POST", "/v1/threads/" + thread + "/messages", json_headers(a),
                        R"({"content":")" + std::string(61441, 'x') + "\"}");
  CHECK(huge.status == 413);
  Headers long_key = json_headers(a);
  long_key.emplace_back("Idempotency-Key", std::string(129, 'k'));
  auto bad_key = http_call(gw.port(), "POST", "/v1/threads/" + thread + "/messages", long_key, R"({"content":"x"})");
  CHECK(bad_key.status == 400);
  CHECK(json_str(bad_key.body, "/message").find("Idempotency-Key") != std::string::npos);
  CHECK(db.scalar("SELECT count(*) FROM chat_messages WHERE thread_id IN ($1, $2)", {thread, bobs}) == "1");

  for (int i = 2; i <= 5; ++i) {
    auto r = http_call(gw.port(), "POST", "/v1/threads/" + thread + "/messages", json_headers(a),
                       R"({"content":"m)" + std::to_string(i) + "\"}");
    REQUIRE(r.status == 201);
  }
  auto newest = http_call(gw.port(), "GET", "/v1/threads/" + thread + "/messages?limit=2", bearer(a));
  REQUIRE(newest.status == 200);
  CHECK(json_str(newest.body, "/messages/1/content") == "m5");
  CHECK(json_bool(newest.body, "/has_more"));
  auto older = http_call(gw.port(), "GET",
                         "/v1/threads/" + thread + "/messages?limit=2&before=" + json_str(newest.body, "/next_before"),
                         bearer(a));
  CHECK(json_str(older.body, "/messages/0/content") == "m2");
  // Forward from the first message's cursor: a back-end catching up.
  auto fwd = http_call(gw.port(), "GET", "/v1/threads/" + thread + "/messages?limit=3&after=" + cursor, bearer(a));
  REQUIRE(fwd.status == 200);
  CHECK(json_str(fwd.body, "/messages/0/content") == "m2");
  CHECK(json_str(fwd.body, "/messages/2/content") == "m4");
  CHECK(json_bool(fwd.body, "/has_more"));
  auto rest = http_call(gw.port(), "GET",
                        "/v1/threads/" + thread + "/messages?after=" + json_str(fwd.body, "/next_after"), bearer(a));
  CHECK(json_str(rest.body, "/messages/0/content") == "m5");
  CHECK_FALSE(json_bool(rest.body, "/has_more"));
  CHECK(http_call(gw.port(), "GET", "/v1/threads/" + bobs + "/messages", bearer(a)).status == 403);
  CHECK(http_call(gw.port(), "GET", "/v1/threads/" + thread + "/messages?before=1&after=1", bearer(a)).status == 400);
  CHECK(http_call(gw.port(), "GET", "/v1/threads/" + thread + "/messages?limit=201", bearer(a)).status == 400);
}

TEST_CASE("the rate limit applies per HTTP connection as per WebSocket connection", "[e2e][http_api]") {
  Db db(api_db());
  auto alice = make_profile(db);
  GatewayProcess gw(api_db(), {{"TECHPULSE_RATE_LIMIT", "1"}, {"TECHPULSE_RATE_BURST", "2"}});
  HttpClient c(gw.port());
  auto a = gw.token(alice);
  int limited = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = c.request("GET", "/v1/threads", bearer(a));
    if (r.status == 429) {
      ++limited;
      CHECK(error_of(r) == "rate_limited");
      CHECK(r.header("retry-after") == "1");
    }
  }
  CHECK(limited >= 1);
  // Another connection has its own bucket.
  CHECK(http_call(gw.port(), "GET", "/v1/threads", bearer(a)).status == 200);
}
