// The outbox and analytics triggers of chat_messages run once per INSERT statement (015_statement_triggers.sql).
// The gateway's writer inserts many messages in one statement, so these tests insert several messages of a thread
// in one statement and check what the notifications and the rollups hold: what the per-row triggers of 010 and 012
// gave, message by message.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "support/pg_support.hpp"

using namespace techpulse::test;

namespace {

std::string migrated_db() {
  return migrated_database("tp_test_statement_triggers");
}

// "recipient:seq" of the thread's notifications that are not cancelled, in seq order.
std::vector<std::string> live_notifications(Db& db, const std::string& thread) {
  std::vector<std::string> out;
  for (auto& r : db.exec("SELECT recipient_id::text || ':' || message_seq FROM notification_outbox "
                         "WHERE thread_id = $1 AND status <> 'cancelled' ORDER BY message_seq, recipient_id",
                         {thread}))
    out.push_back(*r[0]);
  return out;
}

// One thread's rollup rows as text, for comparing before and after tp_analytics_rebuild().
std::string rollups(Db& db, const std::string& thread) {
  return db.scalar(
      "SELECT coalesce((SELECT string_agg(tp_ts(hour) || ' ' || role || ' ' || messages || ' ' || confidence_sum || "
      "' ' || confidence_count, '; ' ORDER BY hour, role) FROM analytics_message_hours WHERE thread_id = $1), '') "
      "|| ' | ' || coalesce((SELECT tp_ts(first_user_at) || ' ' || coalesce(tp_ts(first_answer_at), '-') "
      "FROM analytics_thread_firsts WHERE thread_id = $1), 'no firsts')",
      {thread});
}

}  // namespace

TEST_CASE("one statement of several messages notifies each participant once per unread stretch", "[pg][outbox]") {
  Db db(migrated_db());
  auto customer = make_profile(db, "customer");
  auto tech = make_profile(db, "technician");
  auto ticket = random_uuid();
  db.exec("INSERT INTO support_tickets (id, ticket_number, assigned_technician, status) "
          "VALUES ($1, $2, $3, 'in_progress')",
          {ticket, "ST-" + ticket.substr(0, 8), tech});
  auto thread = make_thread(db, customer);
  db.exec("UPDATE conversation_threads SET ticket_id = $2, assistant_enabled = false WHERE id = $1", {thread, ticket});
  auto send3 = [&](const std::string& a, const std::string& b, const std::string& c) {
    db.exec("INSERT INTO chat_messages (thread_id, sender_id, role, content) VALUES "
            "($1, $2, 'user', 'x'), ($1, $3, 'user', 'y'), ($1, $4, 'user', 'z')",
            {thread, a, b, c});
  };

  // seq 1 (customer), 2 (technician), 3 (customer): the technician is told of 1, the customer of 2; 3 waits
  // behind the technician's pending notification.
  send3(customer, tech, customer);
  CHECK(live_notifications(db, thread) == std::vector<std::string>{tech + ":1", customer + ":2"});

  // seq 4-6: both participants still have one pending past their read cursor; nothing new.
  send3(tech, customer, tech);
  CHECK(live_notifications(db, thread).size() == 2);

  // The customer reads up to 4 (which cancels theirs); of 7-9 from the technician they are told of the first only.
  db.exec("INSERT INTO chat_read_state (thread_id, user_id, last_read) VALUES ($1, $2, 4)", {thread, customer});
  CHECK(live_notifications(db, thread) == std::vector<std::string>{tech + ":1"});
  send3(tech, tech, tech);
  CHECK(live_notifications(db, thread) == std::vector<std::string>{tech + ":1", customer + ":7"});

  // Imported history (created more than 10 minutes ago) notifies no one, even in a statement with a live message.
  db.exec("UPDATE notification_outbox SET status = 'cancelled' WHERE thread_id = $1", {thread});
  db.exec("INSERT INTO chat_messages (thread_id, sender_id, role, content, created_at) VALUES "
          "($1, $2, 'user', 'old', now() - interval '1 hour'), ($1, $3, 'user', 'new', now())",
          {thread, tech, customer});
  CHECK(live_notifications(db, thread) == std::vector<std::string>{tech + ":11"});

  // A read cursor past the thread's end (written by SQL, not by the gateway, which clamps it): each message at or
  // below it is notified, as the per-row trigger did, and the first one past it.
  db.exec("UPDATE notification_outbox SET status = 'cancelled' WHERE thread_id = $1", {thread});
  db.exec("INSERT INTO chat_read_state (thread_id, user_id, last_read) VALUES ($1, $2, 13)", {thread, tech});
  send3(customer, customer, customer);  // 12, 13, 14
  CHECK(live_notifications(db, thread) == std::vector<std::string>{tech + ":12", tech + ":13", tech + ":14"});
}

TEST_CASE("one statement notifies each thread's own participants", "[pg][outbox]") {
  Db db(migrated_db());
  auto tech = make_profile(db, "technician");
  auto c1 = make_profile(db, "customer");
  auto c2 = make_profile(db, "customer");
  auto t1 = make_thread(db, c1);
  auto t2 = make_thread(db, c2);
  // A retried send in the same statement (the same client_msg_id) is one message and one notification.
  db.exec("INSERT INTO chat_messages (thread_id, sender_id, role, content, client_msg_id) VALUES "
          "($1, $3, 'technician', 'a', 'k1'), ($2, $3, 'technician', 'b', 'k2'), ($1, $3, 'technician', 'c', 'k3') "
          "ON CONFLICT (thread_id, sender_id, client_msg_id) WHERE client_msg_id IS NOT NULL DO NOTHING",
          {t1, t2, tech});
  CHECK(live_notifications(db, t1) == std::vector<std::string>{c1 + ":1"});
  CHECK(live_notifications(db, t2) == std::vector<std::string>{c2 + ":1"});
  CHECK(db.scalar("SELECT count(*)::text FROM notification_outbox WHERE recipient_id = $1", {tech}) == "0");
}

TEST_CASE("one statement of several messages keeps the rollups that a rebuild computes", "[pg][analytics]") {
  Db db(migrated_db());
  auto customer = make_profile(db, "customer");
  auto tech = make_profile(db, "technician");
  auto thread = make_thread(db, customer);
  db.exec("UPDATE conversation_threads SET assistant_enabled = false WHERE id = $1", {thread});
  auto insert = [&](const std::string& values) {
    db.exec("INSERT INTO chat_messages (thread_id, sender_id, role, content, metadata, created_at) "
            "SELECT $1, CASE v.role WHEN 'user' THEN $2::uuid WHEN 'technician' THEN $3::uuid END, v.role, 'm', "
            "v.metadata::jsonb, v.at::timestamptz FROM (VALUES " + values + ") v(role, metadata, at)",
            {thread, customer, tech});
  };

  // An answer before the first question does not count; the first answer at or after it does, whatever the order
  // of the rows in the statement.
  insert("('assistant', '{\"confidence\": 0.5}', '2026-10-05T10:00:00Z'), ('user', '{}', '2026-10-05T10:05:00Z'), "
         "('assistant', '{\"confidence\": 0.9}', '2026-10-05T10:07:00Z'), ('user', '{}', '2026-10-05T10:06:00Z'), "
         "('technician', '{}', '2026-10-05T11:30:00Z')");
  CHECK(rollups(db, thread) ==
        "2026-10-05T10:00:00.000000Z assistant 2 1.4 2; 2026-10-05T10:00:00.000000Z user 2 0 0; "
        "2026-10-05T11:00:00.000000Z technician 1 0 0 | "
        "2026-10-05T10:05:00.000000Z 2026-10-05T10:07:00.000000Z");

  // An earlier question moves both firsts; a confidence that is not a number is no confidence.
  insert("('assistant', '{\"confidence\": \"high\"}', '2026-10-05T09:30:00Z'), "
         "('user', '{}', '2026-10-05T09:00:00Z')");
  CHECK(rollups(db, thread) ==
        "2026-10-05T09:00:00.000000Z assistant 1 0 0; 2026-10-05T09:00:00.000000Z user 1 0 0; "
        "2026-10-05T10:00:00.000000Z assistant 2 1.4 2; 2026-10-05T10:00:00.000000Z user 2 0 0; "
        "2026-10-05T11:00:00.000000Z technician 1 0 0 | "
        "2026-10-05T09:00:00.000000Z 2026-10-05T09:30:00.000000Z");

  // Answers alone: the earliest one at or after the first question wins.
  insert("('assistant', '{\"confidence\": 1}', '2026-10-05T09:20:00Z'), "
         "('assistant', '{}', '2026-10-05T09:10:00Z'), ('assistant', '{}', '2026-10-05T08:00:00Z')");
  auto kept = rollups(db, thread);
  CHECK(kept ==
        "2026-10-05T08:00:00.000000Z assistant 1 0 0; "
        "2026-10-05T09:00:00.000000Z assistant 3 1 1; 2026-10-05T09:00:00.000000Z user 1 0 0; "
        "2026-10-05T10:00:00.000000Z assistant 2 1.4 2; 2026-10-05T10:00:00.000000Z user 2 0 0; "
        "2026-10-05T11:00:00.000000Z technician 1 0 0 | "
        "2026-10-05T09:00:00.000000Z 2026-10-05T09:10:00.000000Z");

  // What the triggers kept is what a rebuild from chat_messages computes.
  db.exec("SELECT tp_analytics_rebuild()");
  CHECK(rollups(db, thread) == kept);
}

TEST_CASE("a message into a thread whose table has a column without an equality operator", "[pg][row_changes]") {
  // The row-change trigger's question (did anything but last_seq change?) compares the rows' bytes, so it works for
  // a column an operator adds later, of any type.
  Db db(migrated_db());
  db.exec("ALTER TABLE conversation_threads ADD COLUMN IF NOT EXISTS crm_notes json");
  auto customer = make_profile(db, "customer");
  auto thread = make_thread(db, customer);
  db.exec("UPDATE conversation_threads SET crm_notes = '{\"vip\": true}' WHERE id = $1", {thread});
  db.exec("INSERT INTO chat_messages (thread_id, sender_id, content) VALUES ($1, $2, 'hi')", {thread, customer});
  CHECK(db.scalar("SELECT last_seq::text FROM conversation_threads WHERE id = $1", {thread}) == "1");
}
