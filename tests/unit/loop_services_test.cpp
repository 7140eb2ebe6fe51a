// Unit tests of the per-loop services of the transport (gateway/transport/flush_queue.hpp, idle_sweep.hpp): each
// belongs to one io_context, whichever thread asks for it, and lets go of what it holds when that io_context goes.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <memory>

#include "gateway/transport/flush_queue.hpp"
#include "gateway/transport/idle_sweep.hpp"

using namespace techpulse::gateway;

namespace {

struct CountingTarget final : FlushTarget {
  int flushes = 0;
  void flush_now() override { ++flushes; }
};

struct CountingWatch final : IdleWatch {
  int ticks = 0;
  void on_idle_tick() override { ++ticks; }
};

}  // namespace

TEST_CASE("a flush queue belongs to its io_context, not to the thread that asked for it") {
  std::atomic<std::size_t> backlog{0};
  boost::asio::io_context a(1), b(1);
  FlushQueue& qa = FlushQueue::of(a, &backlog);
  FlushQueue& qb = FlushQueue::of(b, &backlog);
  CHECK(&qa != &qb);
  CHECK(&FlushQueue::of(a, nullptr) == &qa);

  CountingTarget ta, tb;
  qa.add(ta, nullptr);
  qb.add(tb, nullptr);
  b.run();  // only b's loop turns: only its socket is flushed
  CHECK(ta.flushes == 0);
  CHECK(tb.flushes == 1);
  a.run();
  CHECK(ta.flushes == 1);
  CHECK(tb.flushes == 1);
}

TEST_CASE("a flush queue waits one turn while its loop's inbox has messages, and no more") {
  std::atomic<std::size_t> backlog{1};
  boost::asio::io_context ioc(1);
  CountingTarget t;
  FlushQueue::of(ioc, &backlog).add(t, nullptr);
  CHECK(ioc.run_one() == 1);  // the first turn sees the backlog and waits
  CHECK(t.flushes == 0);
  CHECK(ioc.run_one() == 1);  // the second flushes even though the inbox is not empty yet
  CHECK(t.flushes == 1);
  CHECK(ioc.poll() == 0);
}

TEST_CASE("a flush queue lets the owners it keeps go when its io_context is destroyed unrun") {
  auto owner = std::make_shared<int>(7);
  std::weak_ptr<int> seen = owner;
  CountingTarget t;
  {
    boost::asio::io_context ioc(1);
    FlushQueue::of(ioc, nullptr).add(t, std::move(owner));
    CHECK_FALSE(seen.expired());
  }
  CHECK(seen.expired());
  CHECK(t.flushes == 0);
}

TEST_CASE("an idle sweep belongs to its io_context and ticks only the sessions watched there") {
  boost::asio::io_context a(1), b(1);
  IdleSweep& sa = IdleSweep::of(a, std::chrono::milliseconds(1));
  IdleSweep& sb = IdleSweep::of(b, std::chrono::milliseconds(1));
  CHECK(&sa != &sb);
  CountingWatch wa;
  {
    CountingWatch wb;
    sa.watch(wa);
    sb.watch(wb);
    CHECK(sa.watched() == 1);
    CHECK(sb.watched() == 1);
    b.run_one();  // b's first tick
    CHECK(wb.ticks == 1);
    CHECK(wa.ticks == 0);
  }  // wb unlinks itself
  CHECK(sb.watched() == 0);
  a.run_one();
  CHECK(wa.ticks == 1);
  wa.stop_watching();
  a.run();  // no watch left: the sweep stops ticking and the loop runs out of work
  CHECK(sa.watched() == 0);
}

TEST_CASE("an idle sweep unlinks the sessions still watched when its io_context is destroyed") {
  CountingWatch w;
  {
    boost::asio::io_context ioc(1);
    IdleSweep::of(ioc, std::chrono::milliseconds(1)).watch(w);
    CHECK(w.is_linked());
  }
  CHECK_FALSE(w.is_linked());
}
