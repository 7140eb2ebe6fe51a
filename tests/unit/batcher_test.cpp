// The coalescing of admission and set-up reads (gateway/realtime/batcher.hpp, gate.hpp), without a database: a
// fake statement that completes when the test says so.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "gateway/realtime/batcher.hpp"

using namespace techpulse::gateway::realtime;
namespace asio = boost::asio;

namespace {

// Statements that wait until released; each records the requests it took.
struct Fake {
  asio::io_context& ioc;
  std::vector<std::vector<int>> statements;  // the requests of each statement, in the order they started
  std::vector<std::shared_ptr<asio::steady_timer>> held;
  int answer_above = -1;  // a statement answers only requests above this (the rest are queued again)

  asio::awaitable<void> run(Batcher<int, int>::Batch& batch) {
    std::vector<int> reqs;
    for (auto& w : batch) reqs.push_back(w->req);
    statements.push_back(reqs);
    auto t = std::make_shared<asio::steady_timer>(ioc, asio::steady_timer::time_point::max());
    held.push_back(t);
    boost::system::error_code ec;
    co_await t->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    for (auto& w : batch) {
      if (w->req > answer_above) w->res = w->req * 10;
    }
  }
  void release_all() {
    auto h = std::move(held);
    for (auto& t : h) t->cancel();
  }
};

// Runs what is ready (restarted first: a poll that found no work leaves the context stopped).
void pump(asio::io_context& ioc) {
  ioc.restart();
  ioc.poll();
}

void ask(asio::io_context& ioc, Batcher<int, int>& b, std::string key, int req, std::vector<int>& got) {
  asio::co_spawn(ioc, [&b, &got, key, req]() -> asio::awaitable<void> { got.push_back(co_await b.call(key, req)); },
                 asio::detached);
}

}  // namespace

TEST_CASE("a lone request starts a statement at once; those made while it runs share the next one", "[batcher]") {
  asio::io_context ioc;
  Gate gate(ioc.get_executor(), 4);
  Fake fake{ioc};
  Batcher<int, int> b(ioc.get_executor(), gate, 100, 1,
                      [&](const std::string&, Batcher<int, int>::Batch& batch) { return fake.run(batch); });
  std::vector<int> got;
  ask(ioc, b, "t", 1, got);
  pump(ioc);
  REQUIRE(fake.statements.size() == 1);
  for (int i = 2; i <= 5; ++i) ask(ioc, b, "t", i, got);
  pump(ioc);
  CHECK(fake.statements.size() == 1);  // none joins the statement that already started
  CHECK(b.queued() == 4);
  fake.release_all();
  pump(ioc);
  REQUIRE(fake.statements.size() == 2);
  CHECK(fake.statements[1] == std::vector<int>{2, 3, 4, 5});
  fake.release_all();
  pump(ioc);
  CHECK(got == std::vector<int>{10, 20, 30, 40, 50});
  CHECK(b.queued() == 0);
}

TEST_CASE("the gate bounds statements in flight across keys; the others wait their turn", "[batcher]") {
  asio::io_context ioc;
  Gate gate(ioc.get_executor(), 2);
  Fake fake{ioc};
  Batcher<int, int> b(ioc.get_executor(), gate, 100, 1,
                      [&](const std::string&, Batcher<int, int>::Batch& batch) { return fake.run(batch); });
  std::vector<int> got;
  ask(ioc, b, "a", 1, got);
  ask(ioc, b, "b", 2, got);
  ask(ioc, b, "c", 3, got);
  pump(ioc);
  CHECK(fake.statements.size() == 2);
  CHECK(gate.in_flight() == 2);
  CHECK(gate.waiting() == 1);
  fake.release_all();
  pump(ioc);
  CHECK(fake.statements.size() == 3);
  fake.release_all();
  pump(ioc);
  CHECK(got.size() == 3);
  CHECK(gate.in_flight() == 0);
}

TEST_CASE("a request a statement leaves unanswered is queued again and served by the next", "[batcher]") {
  asio::io_context ioc;
  Gate gate(ioc.get_executor(), 1);
  Fake fake{ioc};
  fake.answer_above = 1;  // the first statement answers 2 and 3, not 1
  Batcher<int, int> b(ioc.get_executor(), gate, 100, 1,
                      [&](const std::string&, Batcher<int, int>::Batch& batch) { return fake.run(batch); });
  std::vector<int> got;
  ask(ioc, b, "t", 5, got);
  pump(ioc);
  ask(ioc, b, "t", 1, got);
  ask(ioc, b, "t", 2, got);
  pump(ioc);
  fake.release_all();  // the lone first request (5) is answered
  pump(ioc);
  REQUIRE(fake.statements.size() == 2);
  CHECK(fake.statements[1] == std::vector<int>{1, 2});
  fake.release_all();  // 2 answered, 1 queued again
  pump(ioc);
  REQUIRE(fake.statements.size() == 3);
  CHECK(fake.statements[2] == std::vector<int>{1});
  fake.answer_above = -1;
  fake.release_all();
  pump(ioc);
  CHECK(got == std::vector<int>{50, 20, 10});
}

TEST_CASE("max_batch caps the requests one statement takes", "[batcher]") {
  asio::io_context ioc;
  Gate gate(ioc.get_executor(), 1);
  Fake fake{ioc};
  Batcher<int, int> b(ioc.get_executor(), gate, 2, 1,
                      [&](const std::string&, Batcher<int, int>::Batch& batch) { return fake.run(batch); });
  std::vector<int> got;
  for (int i = 1; i <= 5; ++i) ask(ioc, b, "", i, got);
  for (int round = 0; round < 5 && got.size() < 5; ++round) {
    pump(ioc);
    fake.release_all();
    pump(ioc);
  }
  CHECK(got.size() == 5);
  for (const auto& s : fake.statements) CHECK(s.size() <= 2);
}

TEST_CASE("call_then waits as a callback: it shares statements with call() and is answered in order", "[batcher]") {
  asio::io_context ioc;
  Gate gate(ioc.get_executor(), 1);
  Fake fake{ioc};
  fake.answer_above = 2;  // the second statement leaves 2 unanswered: it is queued again, first
  Batcher<int, int> b(ioc.get_executor(), gate, 100, 1,
                      [&](const std::string&, Batcher<int, int>::Batch& batch) { return fake.run(batch); });
  std::vector<int> got;
  b.call_then("t", 9, [&](int r) { got.push_back(r); });
  pump(ioc);
  REQUIRE(fake.statements.size() == 1);
  CHECK(got.empty());  // nothing is answered before its statement ends
  b.call_then("t", 2, [&](int r) { got.push_back(r); });
  ask(ioc, b, "t", 3, got);
  pump(ioc);  // the coroutine's call() is made when it first runs
  b.call_then("t", 4, [&](int r) { got.push_back(r); });
  pump(ioc);
  CHECK(b.queued() == 3);
  fake.release_all();
  pump(ioc);
  CHECK(got == std::vector<int>{90});
  REQUIRE(fake.statements.size() == 2);
  CHECK(fake.statements[1] == std::vector<int>{2, 3, 4});
  fake.release_all();
  pump(ioc);
  CHECK(got == std::vector<int>{90, 30, 40});  // the callback and the coroutine, in the order they came
  REQUIRE(fake.statements.size() == 3);
  CHECK(fake.statements[2] == std::vector<int>{2});
  fake.answer_above = -1;
  fake.release_all();
  pump(ioc);
  CHECK(got == std::vector<int>{90, 30, 40, 20});
  CHECK(b.queued() == 0);
}
