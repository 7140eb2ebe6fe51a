// The analytics rollups' triggers against a real PostgreSQL (012_analytics.sql, 013_analytics_lock_order.sql): a
// hard DELETE of a message and an INSERT into the same thread and hour take their locks in the same order (the
// thread's row first), so they wait for each other instead of deadlocking.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <thread>

#include "support/pg_support.hpp"

using namespace techpulse::test;

namespace {

std::string migrated_db() {
  return migrated_database("tp_test_analytics");
}

// Whether backend `pid` is waiting for a lock (bounded: false after about 10 s).
bool waits_for_lock(Db& watcher, const std::string& pid) {
  for (int i = 0; i < 1000; ++i) {
    if (watcher.scalar("SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1", {pid}) == "Lock") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST_CASE("a hard delete and an insert into the same thread and hour wait for each other, never deadlock",
          "[pg][analytics]") {
  Db setup(migrated_db());
  auto user = make_profile(setup);
  auto thread = make_thread(setup, user);
  const std::string at = "2026-10-05T10:15:00Z";
  auto victim = setup.scalar(
      "INSERT INTO chat_messages (thread_id, sender_id, role, content, created_at) "
      "VALUES ($1, $2, 'user', 'to delete', $3) RETURNING id",
      {thread, user, at});

  // The inserter's first step, held: the thread's row lock (what the insert's BEFORE trigger takes first).
  Db inserter(migrated_db());
  inserter.exec("BEGIN");
  inserter.exec("UPDATE conversation_threads SET updated_at = updated_at WHERE id = $1", {thread});

  // The delete runs meanwhile; it must queue on the thread's row before it locks any rollup row.
  Db deleter(migrated_db());
  auto deleter_pid = deleter.scalar("SELECT pg_backend_pid()::text");
  auto deleted = std::async(std::launch::async, [&] {
    try {
      deleter.exec("DELETE FROM chat_messages WHERE id = $1", {victim});
      return std::string("ok");
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
  });
  Db watcher(migrated_db());
  REQUIRE(waits_for_lock(watcher, deleter_pid));

  // The inserter goes on: the same thread, hour and role, so the same rollup row. Had the delete locked that row
  // first, PostgreSQL would break the cycle here with a deadlock error (after deadlock_timeout).
  std::string insert_outcome = "ok";
  try {
    inserter.exec("INSERT INTO chat_messages (thread_id, sender_id, role, content, created_at) "
                  "VALUES ($1, $2, 'user', 'kept', $3)",
                  {thread, user, at});
    inserter.exec("COMMIT");
  } catch (const std::exception& e) {
    insert_outcome = e.what();
  }
  CHECK(insert_outcome == "ok");
  REQUIRE(deleted.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  CHECK(deleted.get() == "ok");

  // And the rollup counts what is left: one user message in that hour.
  CHECK(setup.scalar("SELECT coalesce(sum(messages), 0)::text FROM analytics_message_hours "
                     "WHERE thread_id = $1 AND role = 'user'",
                     {thread}) == "1");
}
