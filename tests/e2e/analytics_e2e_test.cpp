// Analytics for admins (issue 17, docs/desk.md "Analytics"): a generated data set in a database of its own, whose
// figures the test computes itself (percentiles by linear interpolation, as percentile_cont), compared with
// GET /v1/analytics/summary and the analytics.summary frame of the real binary.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "support/chat_helpers.hpp"
#include "support/gateway_process.hpp"
#include "support/pg_support.hpp"
#include "support/ws_client.hpp"

using namespace techpulse::test;

namespace {

// percentile_cont: linear interpolation between the closest ranks.
double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double pos = p * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

double num(simdjson::dom::element doc, const char* pointer) {
  auto e = doc.at_pointer(pointer);
  REQUIRE(e.error() == simdjson::SUCCESS);
  if (e.is_int64()) return static_cast<double>(e.get_int64().value());
  if (e.is_uint64()) return static_cast<double>(e.get_uint64().value());
  return e.get_double().value();
}

void check_percentiles(simdjson::dom::element doc, const std::string& at, const std::vector<double>& values) {
  INFO(at);
  CHECK(num(doc, (at + "/count").c_str()) == static_cast<double>(values.size()));
  CHECK(num(doc, (at + "/p50").c_str()) == Approx(percentile(values, 0.5)).margin(0.001));
  CHECK(num(doc, (at + "/p90").c_str()) == Approx(percentile(values, 0.9)).margin(0.001));
}

}  // namespace

TEST_CASE("analytics: every figure of a generated data set, by HTTP and by frame; admins only", "[e2e][desk][analytics]") {
  const auto url = migrated_database("tp_test_analytics_e2e");
  Db db(url);
  const std::string t0 = "2026-01-10T00:00:00Z";
  auto at = [&](double seconds) { return fmt::format("'{}'::timestamptz + interval '{} seconds'", t0, seconds); };
  auto admin = make_profile(db, "admin");
  auto tech = make_profile(db, "technician");
  std::vector<double> assistant_first, human_first, to_claim, to_resolve;
  double confidence_sum = 0;
  int open = 0;
  for (int i = 0; i < 20; ++i) {
    auto cust = make_profile(db, "customer");
    auto thread = make_thread(db, cust, "analytics");
    const double asked = i * 3600.0;
    const double answer = 5 + 3 * i;
    const double conf = 0.1 + 0.04 * i;
    db.exec(fmt::format("INSERT INTO chat_messages (thread_id, sender_id, role, content, created_at) "
                        "VALUES ($1, $2, 'user', 'question', {})", at(asked)), {thread, cust});
    db.exec(fmt::format("INSERT INTO chat_messages (thread_id, role, content, metadata, created_at) "
                        "VALUES ($1, 'assistant', 'answer', jsonb_build_object('confidence', {}::numeric), {})",
                        conf, at(asked + answer)), {thread});
    assistant_first.push_back(answer);
    confidence_sum += conf;
    if (i % 4 != 0) continue;
    // Handed off 100 s after the question, claimed, answered by the technician; every other one resolved.
    const double handed = asked + 100, claimed = handed + 60 + 10 * i, replied = handed + 120 + 7 * i;
    const bool resolved = i % 8 == 0;
    const std::string reason = resolved ? "low_confidence" : "customer_request";
    auto ticket = random_uuid();
    db.exec(fmt::format("INSERT INTO support_tickets (id, ticket_number, customer_id, status, priority, "
                        "handoff_reason, handed_off_at, claimed_at, assigned_technician, created_at, resolved_at) "
                        "VALUES ($1, $2, $3, $4, 'normal', $5, {}, {}, $6, {}, {})",
                        at(handed), at(claimed), at(handed), resolved ? at(handed + 3600 + 100 * i) : "NULL"),
            {ticket, "A-" + ticket.substr(0, 8), cust, resolved ? "resolved" : "in_progress", reason, tech});
    db.exec("UPDATE conversation_threads SET ticket_id = $1 WHERE id = $2", {ticket, thread});
    db.exec(fmt::format("INSERT INTO chat_messages (thread_id, sender_id, role, content, created_at) "
                        "VALUES ($1, $2, 'technician', 'on it', {})", at(replied)), {thread, tech});
    human_first.push_back(replied - handed);
    to_claim.push_back(claimed - handed);
    if (resolved) to_resolve.push_back(3600 + 100 * i);
    open += !resolved;
  }
  GatewayProcess gw(url, {{"TECHPULSE_AI_WORKERS", "0"}});
  const std::string range = "from=2026-01-10T00:00:00Z&to=2026-01-11T00:00:00Z";

  auto check = [&](const std::string& json) {
    INFO(json);
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(json);
    check_percentiles(doc, "/first_response/assistant", assistant_first);
    check_percentiles(doc, "/first_response/human", human_first);
    check_percentiles(doc, "/handoff_to_claim", to_claim);
    check_percentiles(doc, "/time_to_resolve", to_resolve);
    CHECK(num(doc, "/handoffs/count") == 5);
    CHECK(num(doc, "/handoffs/conversations") == 20);
    CHECK(num(doc, "/handoffs/rate") == Approx(0.25));
    CHECK(num(doc, "/handoffs/reasons/low_confidence") == 3);
    CHECK(num(doc, "/handoffs/reasons/customer_request") == 2);
    CHECK(num(doc, "/assistant_confidence/count") == 20);
    CHECK(num(doc, "/assistant_confidence/mean") == Approx(confidence_sum / 20).margin(0.0001));
    CHECK(num(doc, "/open_tickets/by_status/in_progress") == open);
    CHECK(num(doc, "/open_tickets/by_priority/normal") == open);
    // One UTC day: 20 user, 20 assistant, 5 technician messages (the roles in name order).
    auto days = doc.at_pointer("/messages_per_day").get_array();
    REQUIRE(days.error() == simdjson::SUCCESS);
    std::vector<std::string> got;
    for (auto d : days.value()) {
      got.push_back(fmt::format("{} {} {}", std::string_view(d["day"].get_string().value()),
                                std::string_view(d["role"].get_string().value()), d["count"].get_int64().value()));
    }
    CHECK(got == std::vector<std::string>{"2026-01-10 assistant 20", "2026-01-10 technician 5", "2026-01-10 user 20"});
  };

  std::string body;
  REQUIRE(http_get(gw.port(), "/v1/analytics/summary?" + range, &body,
                   "Authorization: Bearer " + gw.token(admin, "admin") + "\r\n") == 200);
  check(body);

  auto ws = connect_as(gw, admin, "admin");
  ws->send(R"({"type":"analytics.summary","ref":"a1","from":"2026-01-10T00:00:00Z","to":"2026-01-11T00:00:00Z"})");
  auto r = ws->recv_until([](const std::string& f) { return json_str(f, "/ref") == "a1"; });
  REQUIRE(r);
  REQUIRE(json_str(*r, "/type") == "analytics.summary");
  simdjson::dom::parser p;
  auto summary = simdjson::to_string(p.parse(*r)["summary"].value());
  check(summary);

  // Admins only, by HTTP and by frame; a bad range is bad_request.
  CHECK(http_get(gw.port(), "/v1/analytics/summary?" + range, &body,
                 "Authorization: Bearer " + gw.token(tech, "technician") + "\r\n") == 403);
  CHECK(http_get(gw.port(), "/v1/analytics/summary?from=not-a-date", &body,
                 "Authorization: Bearer " + gw.token(admin, "admin") + "\r\n") == 400);
  CHECK(http_get(gw.port(), "/v1/analytics/summary?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", &body,
                 "Authorization: Bearer " + gw.token(admin, "admin") + "\r\n") == 400);
  CHECK(http_get(gw.port(), "/v1/analytics/summary", &body) == 401);
  auto tw = connect_as(gw, tech, "technician");
  tw->send(R"({"type":"analytics.summary","ref":"a2"})");
  auto denied = tw->recv_until([](const std::string& f) { return json_str(f, "/ref") == "a2"; });
  REQUIRE(denied);
  CHECK(json_str(*denied, "/code") == "forbidden");
}
