#pragma once
// The technician console's snapshot of its tickets (GET /v1/tickets, docs/web.md). The events that keep it live
// (ticket.updated, work_order.updated, ticket.assigned/unassigned) come from the triggers in storage/migrations/.
#include <optional>
#include <string>

#include "storage/pg_pool.hpp"

namespace techpulse::storage {

struct AssignedTickets {
  std::optional<std::string> role;  // nullopt: no profile for this user
  std::string tickets_json;         // a JSON array, newest update first
};

// The support tickets and tickets assigned to `user_id`, each the object of a ticket.updated event plus
// `work_orders` (objects of work_order.updated), `threads` (its chat threads, as `thread` objects) and, for app tickets,
// `customer_name`. One statement, so the list is one snapshot.
asio::awaitable<PgOutcome<AssignedTickets>> assigned_tickets(PgPool& pool, std::string user_id);

}  // namespace techpulse::storage
