// tp_thread_rule runs its generic plan (016_thread_rule_plan.sql). PostgreSQL's plan cache plans a statement for
// the first calls' values and may switch plans after five calls, so these tests ask the rule many times on one
// connection, for every kind of user, in two orders, and check each answer; and that an answer follows the data on
// the next call of the same connection (a technician taken off the ticket loses the thread at once).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "support/pg_support.hpp"

using namespace techpulse::test;

namespace {

std::string migrated_db() {
  return migrated_database("tp_test_thread_rule_plan");
}

struct Case {
  std::string name;
  std::string user;
  std::string thread;
  bool allowed;
};

struct World {
  std::string owner, other_customer, assigned_tech, other_tech, admin, ticket, thread, plain_thread;
};

World make_world(Db& db) {
  World w;
  w.owner = make_profile(db, "customer");
  w.other_customer = make_profile(db, "customer");
  w.assigned_tech = make_profile(db, "technician");
  w.other_tech = make_profile(db, "technician");
  w.admin = make_profile(db, "admin");
  w.ticket = random_uuid();
  db.exec("INSERT INTO support_tickets (id, ticket_number, customer_id, assigned_technician, status) "
          "VALUES ($1, $2, $3, $4, 'in_progress')",
          {w.ticket, "ST-" + w.ticket.substr(0, 8), w.owner, w.assigned_tech});
  w.thread = make_thread(db, w.owner);
  db.exec("UPDATE conversation_threads SET ticket_id = $2 WHERE id = $1", {w.thread, w.ticket});
  w.plain_thread = make_thread(db, w.owner);  // no ticket
  return w;
}

std::vector<Case> cases(const World& w) {
  return {
      {"the owner", w.owner, w.thread, true},
      {"the owner, a thread without a ticket", w.owner, w.plain_thread, true},
      {"another customer", w.other_customer, w.thread, false},
      {"the ticket's technician", w.assigned_tech, w.thread, true},
      {"another technician", w.other_tech, w.thread, false},
      {"a technician, a thread without a ticket", w.assigned_tech, w.plain_thread, false},
      {"an admin", w.admin, w.thread, true},
      {"an admin, a thread without a ticket", w.admin, w.plain_thread, true},
      {"no such profile", random_uuid(), w.thread, false},
      {"no such thread", w.owner, random_uuid(), false},
  };
}

bool can_access(Db& db, const std::string& user, const std::string& thread) {
  return db.scalar("SELECT tp_can_access($1, $2)", {user, thread}) == "t";
}

}  // namespace

TEST_CASE("the thread rule gives every user the same answer on every call of a connection", "[pg][access]") {
  Db setup(migrated_db());
  auto w = make_world(setup);
  auto all = cases(w);
  REQUIRE(setup.scalar("SELECT array_to_string(proconfig, ',') FROM pg_proc "
                       "WHERE oid = 'tp_thread_rule(uuid, uuid, uuid)'::regprocedure") ==
          "plan_cache_mode=force_generic_plan");

  // The owner's calls first (the values whose own plan folds the rule away), then the admin's first.
  for (bool admin_first : {false, true}) {
    Db db(migrated_db());
    auto order = all;
    if (admin_first) {
      auto admin = std::find_if(order.begin(), order.end(), [&](const Case& c) { return c.user == w.admin; });
      std::rotate(order.begin(), admin, order.end());
    }
    for (int pass = 0; pass < 3; ++pass) {
      for (const auto& c : order) {
        for (int call = 0; call < 4; ++call) {
          INFO(c.name << (admin_first ? " (admin first)" : " (owner first)") << ", pass " << pass << ", call " << call);
          CHECK(can_access(db, c.user, c.thread) == c.allowed);
        }
      }
    }
  }
}

TEST_CASE("a technician taken off the ticket loses the thread on the next call of the same connection",
          "[pg][access]") {
  Db setup(migrated_db());
  auto w = make_world(setup);
  Db db(migrated_db());
  for (int call = 0; call < 12; ++call) REQUIRE(can_access(db, w.assigned_tech, w.thread));
  setup.exec("UPDATE support_tickets SET assigned_technician = $2 WHERE id = $1", {w.ticket, w.other_tech});
  CHECK_FALSE(can_access(db, w.assigned_tech, w.thread));
  CHECK(can_access(db, w.other_tech, w.thread));
  // Taken back: the thread is the first technician's again, on the same connection.
  setup.exec("UPDATE support_tickets SET assigned_technician = $2 WHERE id = $1", {w.ticket, w.assigned_tech});
  CHECK(can_access(db, w.assigned_tech, w.thread));
  CHECK_FALSE(can_access(db, w.other_tech, w.thread));
}
