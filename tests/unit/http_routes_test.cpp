// gateway/dialect/http_v1/routes: a request becomes the core call a frame would, checked by the frame rules.
#include <catch2/catch.hpp>

#include "gateway/dialect/http_v1/routes.hpp"

using namespace techpulse::gateway::dialect::http_v1;
namespace calls = techpulse::gateway::realtime::calls;

namespace {
const std::string kThread = "0b9d4a4e-6f5f-4c55-9a4b-2a3e6c1b7d10";
Request req(std::string method, std::string target, std::string body = {}, std::string key = {}) {
  return Request{std::move(method), std::move(target), "Bearer x", std::move(key), std::move(body)};
}
}  // namespace

TEST_CASE("HTTP routes map to the core's calls with the frame rules", "[unit][http_api]") {
  techpulse::protocol::Limits limits;
  auto list = route(req("GET", "/v1/threads?limit=7&before=tok"), limits);
  REQUIRE(list.call);
  CHECK(std::get<calls::ThreadsList>(*list.call).limit == 7);
  CHECK(std::get<calls::ThreadsList>(*list.call).before == "tok");

  auto send = route(req("POST", "/v1/threads/" + kThread + "/messages", R"({"content":"hi","thread_id":"evil"})", "k-1"),
                    limits);
  REQUIRE(send.call);
  CHECK(send.answer == Answer::sent);
  const auto& s = std::get<calls::Send>(*send.call);
  CHECK(s.thread_id == kThread);  // the path's, not the body's
  CHECK(s.client_msg_id == "k-1");
  CHECK(s.content == "hi");

  auto fwd = route(req("GET", "/v1/threads/" + kThread + "/messages?after=5&limit=3"), limits);
  REQUIRE(fwd.call);
  CHECK(fwd.answer == Answer::messages_fwd);
  CHECK(std::get<calls::History>(*fwd.call).after == 5);

  auto both = route(req("GET", "/v1/threads/" + kThread + "/messages?after=5&before=9"), limits);
  REQUIRE(both.refusal);
  CHECK(both.refusal->status == 400);

  auto big = route(req("GET", "/v1/threads?limit=201"), limits);
  REQUIRE(big.refusal);
  CHECK(big.refusal->status == 400);
  CHECK(big.refusal->body.find("\"error\":\"bad_request\"") != std::string::npos);

  auto title = route(req("POST", "/v1/threads", R"({"title":")" + std::string(201, 't') + "\"}"), limits);
  REQUIRE(title.refusal);
  CHECK(title.refusal->status == 413);

  auto junk = route(req("PATCH", "/v1/threads/" + kThread, "{nope"), limits);
  REQUIRE(junk.refusal);
  CHECK(junk.refusal->body.find("the body is not valid JSON") != std::string::npos);

  auto method = route(req("PUT", "/v1/threads/" + kThread), limits);
  REQUIRE(method.refusal);
  CHECK(method.refusal->status == 405);

  CHECK(route(req("GET", "/v1/threads/" + kThread + "/other"), limits).refusal->status == 404);
  CHECK(route(req("GET", "/v1/threads/NOT"), limits).refusal->status == 400);
  CHECK(is_api_path("/v1/threads"));
  CHECK(is_api_path("/v1/threads/x"));
  CHECK_FALSE(is_api_path("/v1/threadsx"));
  CHECK(status_of(techpulse::protocol::ErrorCode::rate_limited) == 429);
}

TEST_CASE("GET /v1/analytics/summary is the analytics.summary call with the query's range", "[unit][http_api]") {
  techpulse::protocol::Limits limits;
  CHECK(is_api_path("/v1/analytics/summary"));
  CHECK_FALSE(is_api_path("/v1/analytics"));
  auto r = route(req("GET", "/v1/analytics/summary?from=2026-01-10T00%3A00%3A00Z&to=2026-01-11T00:00:00Z&x=1"), limits);
  REQUIRE(r.call);
  CHECK(r.answer == Answer::summary);
  const auto& a = std::get<calls::AnalyticsSummary>(*r.call);
  CHECK(a.from == "2026-01-10T00:00:00Z");
  CHECK(a.to == "2026-01-11T00:00:00Z");

  auto dflt = route(req("GET", "/v1/analytics/summary"), limits);
  REQUIRE(dflt.call);
  CHECK(std::get<calls::AnalyticsSummary>(*dflt.call).from.empty());

  auto post = route(req("POST", "/v1/analytics/summary", "{}"), limits);
  REQUIRE(post.refusal);
  CHECK(post.refusal->status == 405);
  auto longer = route(req("GET", "/v1/analytics/summary?from=" + std::string(65, '2')), limits);
  REQUIRE(longer.refusal);
  CHECK(longer.refusal->status == 400);
}
