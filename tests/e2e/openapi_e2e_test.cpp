// docs/openapi.yaml against the real server: the file parses (python3-yaml turns it into JSON), and every status it
// documents for every route is what the server answers in a scenario made for it; every scenario's status is one the
// file documents; 2xx JSON bodies carry the schema's required fields, errors {"error","message"}.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include <functional>
#include <map>
#include <set>

#include "support/chat_helpers.hpp"
#include "support/gateway_process.hpp"
#include "support/http_client.hpp"
#include "support/pg_support.hpp"
#include "support/process.hpp"
#include "support/ws_client.hpp"

using namespace techpulse::test;

namespace {

std::string openapi_json() {
  auto r = run_process({"python3", "-c",
                        "import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
                        std::string(TECHPULSE_SOURCE_DIR) + "/docs/openapi.yaml"});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return r.output;
}

// The `required` list of a response schema (one $ref to components/schemas resolved).
std::vector<std::string> required_of(simdjson::dom::element doc, simdjson::dom::element schema) {
  std::string_view ref;
  if (!schema["$ref"].get_string().get(ref)) {
    auto name = std::string(ref.substr(ref.rfind('/') + 1));
    schema = doc["components"]["schemas"][name];
  }
  std::vector<std::string> out;
  simdjson::dom::array req;
  if (!schema["required"].get_array().get(req)) {
    for (auto r : req) out.emplace_back(std::string_view(r.get_string()));
  }
  return out;
}

}  // namespace

TEST_CASE("docs/openapi.yaml parses and every documented route answers with the documented status codes",
          "[e2e][http_api][openapi]") {
  const std::string text = openapi_json();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE_FALSE(parser.parse(text).get(doc));
  REQUIRE(std::string_view(doc["openapi"].get_string().value()) == "3.1.0");

  auto url = migrated_database("tp_test_openapi_e2e");
  Db db(url);
  auto alice = make_profile(db), bob = make_profile(db);
  auto admin = make_profile(db, "admin");
  auto thread = make_thread(db, alice), bobs = make_thread(db, bob);
  auto bobs_ticket = random_uuid();
  db.exec("INSERT INTO support_tickets (id, customer_id) VALUES ($1, $2)", {bobs_ticket, bob});
  GatewayProcess gw(url, {{"TECHPULSE_RATE_LIMIT", "1"}, {"TECHPULSE_RATE_BURST", "5"},
                          {"TECHPULSE_MAX_ATTACHMENT_BYTES", "100000"}});
  const auto a = gw.token(alice);
  const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(500, 'p');

  auto json = [&](const std::string& method, const std::string& target, const std::string& body,
                  Headers extra = {}) {
    Headers h = bearer(a);
    h.emplace_back("Content-Type", "application/json");
    for (auto& e : extra) h.push_back(e);
    return http_call(gw.port(), method, target, h, body);
  };
  auto get = [&](const std::string& target, Headers extra = {}) {
    Headers h = bearer(a);
    for (auto& e : extra) h.push_back(e);
    return http_call(gw.port(), "GET", target, h);
  };
  auto upload = [&](const std::string& thread_id, const std::string& type, const std::string& data,
                    const std::string& token) {
    Headers h = token.empty() ? Headers{} : bearer(token);
    h.emplace_back("Content-Type", type);
    return http_call(gw.port(), "POST", "/v1/attachments?thread_id=" + thread_id + "&name=f.png", h, data);
  };
  auto attachment = json_str(upload(thread, "image/png", png, a).body, "/attachment/id");
  REQUIRE_FALSE(attachment.empty());
  const std::string msgs = "/v1/threads/" + thread + "/messages";

  using Scenario = std::function<HttpResult()>;
  // "<method> <path template> <status>" -> a request that must get that status.
  std::map<std::string, Scenario> scenarios = {
      {"get /v1/threads 200", [&] { return get("/v1/threads"); }},
      {"get /v1/threads 400", [&] { return get("/v1/threads?limit=0"); }},
      {"get /v1/threads 401", [&] { return http_call(gw.port(), "GET", "/v1/threads"); }},
      {"get /v1/threads 429",
       [&] {
         HttpClient c(gw.port());
         HttpResult last;
         for (int i = 0; i < 30 && last.status != 429; ++i) last = c.request("GET", "/v1/threads", bearer(a));
         return last;
       }},
      {"post /v1/threads 201", [&] { return json("POST", "/v1/threads", R"({"title":"t"})"); }},
      {"post /v1/threads 400", [&] { return json("POST", "/v1/threads", R"({"assistant":1})"); }},
      {"post /v1/threads 401", [&] { return http_call(gw.port(), "POST", "/v1/threads", {}, "{}"); }},
      {"post /v1/threads 403", [&] { return json("POST", "/v1/threads", R"({"ticket_id":")" + bobs_ticket + "\"}"); }},
      {"post /v1/threads 404", [&] { return json("POST", "/v1/threads", R"({"ticket_id":")" + random_uuid() + "\"}"); }},
      {"post /v1/threads 413", [&] { return json("POST", "/v1/threads", R"({"title":")" + std::string(300, 't') + "\"}"); }},
      {"get /v1/threads/{id} 200", [&] { return get("/v1/threads/" + thread); }},
      {"get /v1/threads/{id} 400", [&] { return get("/v1/threads/x"); }},
      {"get /v1/threads/{id} 401", [&] { return http_call(gw.port(), "GET", "/v1/threads/" + thread); }},
      {"get /v1/threads/{id} 403", [&] { return get("/v1/threads/" + bobs); }},
      {"get /v1/threads/{id} 404", [&] { return get("/v1/threads/" + random_uuid()); }},
      {"patch /v1/threads/{id} 200", [&] { return json("PATCH", "/v1/threads/" + thread, R"({"title":"p"})"); }},
      {"patch /v1/threads/{id} 400", [&] { return json("PATCH", "/v1/threads/" + thread, R"({"title":[]})"); }},
      {"patch /v1/threads/{id} 401", [&] { return http_call(gw.port(), "PATCH", "/v1/threads/" + thread, {}, "{}"); }},
      {"patch /v1/threads/{id} 403", [&] { return json("PATCH", "/v1/threads/" + bobs, R"({"title":"p"})"); }},
      {"patch /v1/threads/{id} 404", [&] { return json("PATCH", "/v1/threads/" + random_uuid(), R"({"title":"p"})"); }},
      {"get /v1/threads/{id}/messages 200", [&] { return get(msgs + "?limit=5"); }},
      {"get /v1/threads/{id}/messages 400", [&] { return get(msgs + "?before=1&after=2"); }},
      {"get /v1/threads/{id}/messages 401", [&] { return http_call(gw.port(), "GET", msgs); }},
      {"get /v1/threads/{id}/messages 403", [&] { return get("/v1/threads/" + bobs + "/messages"); }},
      {"get /v1/threads/{id}/messages 404", [&] { return get("/v1/threads/" + random_uuid() + "/messages"); }},
      {"post /v1/threads/{id}/messages 201",
       [&] { return json("POST", msgs, R"({"content":"hi"})", {{"Idempotency-Key", "k1"}}); }},
      {"post /v1/threads/{id}/messages 200",
       [&] {
         json("POST", msgs, R"({"content":"hi"})", {{"Idempotency-Key", "k2"}});
         return json("POST", msgs, R"({"content":"hi"})", {{"Idempotency-Key", "k2"}});
       }},
      {"post /v1/threads/{id}/messages 400", [&] { return json("POST", msgs, R"({"content":""})"); }},
      {"post /v1/threads/{id}/messages 401", [&] { return http_call(gw.port(), "POST", msgs, {}, "{}"); }},
      {"post /v1/threads/{id}/messages 403",
       [&] { return json("POST", "/v1/threads/" + bobs + "/messages", R"({"content":"hi"})"); }},
      {"post /v1/threads/{id}/messages 404",
       [&] {
         return json("POST", msgs,
                     R"({"content":"x","message_type":"image","metadata":{"attachments":[{"id":")" + random_uuid() +
                         "\"}]}}");
       }},
      {"post /v1/threads/{id}/messages 413",
       [&] { return json("POST", msgs, R"({"content":"x","metadata":{"k":")" + std::string(9000, 'm') + "\"}}"); }},
      {"get /v1/analytics/summary 200",
       [&] { return http_call(gw.port(), "GET", "/v1/analytics/summary", bearer(gw.token(admin))); }},
      {"get /v1/analytics/summary 400",
       [&] {
         return http_call(gw.port(), "GET", "/v1/analytics/summary?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z",
                          bearer(gw.token(admin)));
       }},
      {"get /v1/analytics/summary 401", [&] { return http_call(gw.port(), "GET", "/v1/analytics/summary"); }},
      {"get /v1/analytics/summary 403", [&] { return get("/v1/analytics/summary"); }},
      {"post /v1/attachments 201", [&] { return upload(thread, "image/png", png, a); }},
      {"post /v1/attachments 400", [&] { return upload("nope", "image/png", png, a); }},
      {"post /v1/attachments 401", [&] { return upload(thread, "image/png", png, ""); }},
      {"post /v1/attachments 403", [&] { return upload(bobs, "image/png", png, a); }},
      {"post /v1/attachments 404", [&] { return upload(random_uuid(), "image/png", png, a); }},
      {"post /v1/attachments 413", [&] { return upload(thread, "image/png", png + std::string(100000, 'x'), a); }},
      {"post /v1/attachments 415", [&] { return upload(thread, "image/gif", png, a); }},
      {"get /v1/attachments/{id} 200", [&] { return get("/v1/attachments/" + attachment); }},
      {"get /v1/attachments/{id} 206", [&] { return get("/v1/attachments/" + attachment, {{"Range", "bytes=0-9"}}); }},
      {"get /v1/attachments/{id} 304",
       [&] {
         auto etag = get("/v1/attachments/" + attachment).header("etag");
         return get("/v1/attachments/" + attachment, {{"If-None-Match", etag}});
       }},
      {"get /v1/attachments/{id} 401", [&] { return http_call(gw.port(), "GET", "/v1/attachments/" + attachment); }},
      {"get /v1/attachments/{id} 404",
       [&] { return http_call(gw.port(), "GET", "/v1/attachments/" + attachment, bearer(gw.token(bob))); }},
      {"get /v1/attachments/{id} 416",
       [&] { return get("/v1/attachments/" + attachment, {{"Range", "bytes=99999-"}}); }},
  };

  std::set<std::string> documented;
  simdjson::dom::object paths;
  REQUIRE_FALSE(doc["paths"].get_object().get(paths));
  for (auto [path, item] : paths) {
    simdjson::dom::object ops;
    REQUIRE_FALSE(item.get_object().get(ops));
    for (auto [method, op] : ops) {
      if (method == "parameters") continue;
      simdjson::dom::object responses;
      REQUIRE_FALSE(op["responses"].get_object().get(responses));
      for (auto [status, response] : responses) {
        std::string key = std::string(method) + " " + std::string(path) + " " + std::string(status);
        documented.insert(key);
        INFO(key);
        auto it = scenarios.find(key);
        REQUIRE(it != scenarios.end());  // a documented status with no scenario here is untested
        auto r = it->second();
        INFO(r.status << " " << r.body);
        CHECK(r.status == std::stoi(std::string(status)));
        if (r.status >= 400) {
          CHECK_FALSE(json_str(r.body, "/error").empty());
          CHECK(json_has(r.body, "/message"));
        }
        simdjson::dom::element schema;
        if (r.status < 300 && !response["content"]["application/json"]["schema"].get(schema)) {
          for (const auto& field : required_of(doc, schema)) {
            INFO("required field " << field);
            CHECK(json_has(r.body, "/" + field));
          }
        }
      }
    }
  }
  for (const auto& [key, s] : scenarios) {
    INFO(key);
    CHECK(documented.count(key) == 1);  // a status the server gives that the file does not document
  }
}
