// Migrations against a real PostgreSQL (tests/run.sh starts it).
#include <catch2/catch.hpp>

#include "support/pg_support.hpp"

using namespace techpulse::test;

namespace {

// Everything migrations create, as text, to compare before and after a second run.
std::string schema_snapshot(Db& db) {
  std::string out;
  for (auto& r : db.exec("SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, '') "
                         "FROM information_schema.columns WHERE table_schema = 'public' "
                         "ORDER BY table_name, ordinal_position")) {
    for (auto& c : r) out += c.value_or("NULL") + "|";
    out += "\n";
  }
  for (auto& r : db.exec("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")) {
    out += *r[0] + " " + *r[1] + "\n";
  }
  for (auto& r : db.exec("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1")) out += *r[0] + "\n";
  for (auto& r : db.exec("SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1")) {
    out += *r[0] + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("migrate applies every migration once, and a second run changes nothing", "[pg][migrations]") {
  auto url = fresh_database("tp_test_migrations");
  std::string out;
  REQUIRE(run_migrate(url, &out) == 0);
  CHECK(out.find("applied 001_schema") != std::string::npos);
  CHECK(out.find("applied 002_realtime") != std::string::npos);

  Db db(url);
  auto before = schema_snapshot(db);
  auto applied = db.scalar("SELECT count(*) FROM schema_migrations");

  REQUIRE(run_migrate(url, &out) == 0);
  CHECK(out.find("applied") == std::string::npos);
  CHECK(out.find("the schema is current") != std::string::npos);
  CHECK(schema_snapshot(db) == before);
  CHECK(db.scalar("SELECT count(*) FROM schema_migrations") == applied);
}

TEST_CASE("the ten seed tables exist with real types and the added columns", "[pg][migrations]") {
  auto url = fresh_database("tp_test_schema");
  REQUIRE(run_migrate(url) == 0);
  Db db(url);
  auto type_of = [&](const std::string& table, const std::string& column) {
    return db.scalar("SELECT data_type FROM information_schema.columns WHERE table_schema = 'public' "
                     "AND table_name = $1 AND column_name = $2",
                     {table, column});
  };
  for (const char* t : {"chat_messages", "conversation_threads", "profiles", "support_tickets", "tickets", "work_orders",
                        "knowledge_base", "retrieval_logs", "vehicles", "relationships"}) {
    INFO(t);
    CHECK(type_of(t, "id") == "uuid");
  }
  CHECK(db.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'user_profiles'") == "0");
  CHECK(type_of("chat_messages", "metadata") == "jsonb");
  CHECK(type_of("chat_messages", "created_at") == "timestamp with time zone");
  CHECK(type_of("chat_messages", "seq") == "bigint");
  CHECK(type_of("chat_messages", "client_msg_id") == "text");
  CHECK(type_of("conversation_threads", "user_id") == "uuid");
  CHECK(type_of("conversation_threads", "title") == "text");
  CHECK(type_of("conversation_threads", "assistant_enabled") == "boolean");
  CHECK(type_of("conversation_threads", "confidence_score") == "numeric");
  CHECK(type_of("profiles", "role") == "text");
  CHECK(type_of("work_orders", "total_cost") == "numeric");
  CHECK(type_of("retrieval_logs", "result_ids") == "ARRAY");

  // The role is constrained; client_msg_id is unique per (thread, sender).
  CHECK_THROWS(db.exec("INSERT INTO profiles (role) VALUES ('wizard')"));
  auto user = make_profile(db);
  auto thread = make_thread(db, user);
  db.exec("INSERT INTO chat_messages (thread_id, sender_id, content, client_msg_id) VALUES ($1, $2, 'a', 'x')",
          {thread, user});
  CHECK_THROWS(db.exec("INSERT INTO chat_messages (thread_id, sender_id, content, client_msg_id) VALUES ($1, $2, 'b', 'x')",
                       {thread, user}));
  auto other = make_profile(db);
  db.exec("INSERT INTO chat_messages (thread_id, sender_id, content, client_msg_id) VALUES ($1, $2, 'c', 'x')",
          {thread, other});
  CHECK(db.scalar("SELECT count(*) FROM chat_messages WHERE thread_id = $1", {thread}) == "2");
}
