// Broadcast between nodes against a real PostgreSQL (storage/broadcast_channel.hpp, tp_broadcast in
// 008_supabase.sql): envelopes round-trip; a published message reaches a LISTEN connection, inline or (over the
// NOTIFY limit) through the spill table, unchanged.
#include <catch2/catch.hpp>
#include <libpq-fe.h>
#include <sys/select.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>

#include "storage/broadcast_channel.hpp"
#include "support/pg_support.hpp"

using namespace techpulse;
using namespace techpulse::test;
namespace asio = boost::asio;

namespace {

std::string migrated_db() {
  return migrated_database("tp_test_broadcast");
}

template <class T>
T run_sync(asio::io_context& ioc, asio::awaitable<T> op) {
  auto fut = asio::co_spawn(ioc, std::move(op), asio::use_future);
  ioc.restart();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    ioc.run_one_for(std::chrono::milliseconds(100));
  }
  return fut.get();
}

// The next tp_broadcast payload on a LISTEN connection, waiting at most 20 s.
std::string next_notice(PGconn* c) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    PQconsumeInput(c);
    if (PGnotify* n = PQnotifies(c)) {
      std::string p = n->extra;
      PQfreemem(n);
      return p;
    }
    fd_set fds;
    FD_ZERO(&fds);
    FD_SET(PQsocket(c), &fds);
    timeval tv{0, 200000};
    select(PQsocket(c) + 1, &fds, nullptr, nullptr, &tv);
  }
  FAIL("no tp_broadcast notification within 20 s");
  return {};
}

bool same(const storage::BroadcastMessage& a, const storage::BroadcastMessage& b) {
  return a.topic == b.topic && a.event == b.event && a.is_private == b.is_private && a.json == b.json &&
         a.payload == b.payload && a.meta == b.meta && a.node == b.node && a.session == b.session;
}

}  // namespace

TEST_CASE("broadcast envelopes round-trip, JSON and raw bytes; malformed ones are refused", "[pg][broadcast]") {
  storage::BroadcastMessage m{"room1", "cursor", true, true, R"({"x":2,"y":"é"})", R"({"persist":true})", "node-a", "s1"};
  auto back = storage::decode_broadcast(storage::encode_broadcast(m));
  REQUIRE(back);
  CHECK(same(*back, m));
  storage::BroadcastMessage raw{"room1", "bytes", false, false, std::string("\x00\xff\x10", 3), "", "node-b", ""};
  auto rback = storage::decode_broadcast(storage::encode_broadcast(raw));
  REQUIRE(rback);
  CHECK(same(*rback, raw));
  for (const char* bad : {"", "[]", R"({"topic":"a"})", R"({"topic":"a","event":"e","private":false,"node":"n","session":""})",
                          R"({"topic":"a","event":"e","private":false,"node":"n","session":"","payload_hex":"zz"})"}) {
    INFO(bad);
    CHECK_FALSE(storage::decode_broadcast(bad).has_value());
  }
  CHECK(storage::parse_broadcast_notice("s|12")->spill_id == 12);
  CHECK(storage::parse_broadcast_notice("i|{}")->envelope == "{}");
  CHECK_FALSE(storage::parse_broadcast_notice("s|x").has_value());
  CHECK_FALSE(storage::parse_broadcast_notice("q|{}").has_value());
}

TEST_CASE("a published broadcast reaches every listener, inline or through the spill table", "[pg][broadcast]") {
  auto url = migrated_db();
  PGconn* listen = PQconnectdb(url.c_str());
  REQUIRE(PQstatus(listen) == CONNECTION_OK);
  PQclear(PQexec(listen, "LISTEN tp_broadcast"));
  asio::io_context ioc(1);
  storage::PgPool pool(ioc.get_executor(), storage::PoolOptions{url, 1});
  storage::BroadcastStore store(pool);

  storage::BroadcastMessage small{"room1", "cursor", false, true, R"({"x":1})", "", "node-a", "s1"};
  REQUIRE(run_sync(ioc, store.publish(small)).ok());
  auto n1 = storage::parse_broadcast_notice(next_notice(listen));
  REQUIRE(n1);
  CHECK(n1->spill_id == 0);
  auto m1 = storage::decode_broadcast(n1->envelope);
  REQUIRE(m1);
  CHECK(same(*m1, small));

  storage::BroadcastMessage big{"room1", "blob", true, true, "{\"s\":\"" + std::string(100 * 1024, 'x') + "\"}", "",
                                "node-a", ""};
  REQUIRE(run_sync(ioc, store.publish(big)).ok());
  auto n2 = storage::parse_broadcast_notice(next_notice(listen));
  REQUIRE(n2);
  REQUIRE(n2->spill_id > 0);
  auto fetched = run_sync(ioc, store.fetch(n2->spill_id));
  REQUIRE(fetched.ok());
  REQUIRE(*fetched.value);
  auto m2 = storage::decode_broadcast(**fetched.value);
  REQUIRE(m2);
  CHECK(same(*m2, big));
  auto gone = run_sync(ioc, store.fetch(n2->spill_id + 1000));
  REQUIRE(gone.ok());
  CHECK_FALSE(gone.value->has_value());
  PQfinish(listen);
}
