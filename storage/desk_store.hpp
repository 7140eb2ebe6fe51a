#pragma once
// The support desk's SQL (010_desk.sql): the handoff, ticket.claim, ticket.assign, the queue snapshot and the
// least-loaded routing. Each function runs one statement on the pool (on the storage loop) that calls the rule's
// SQL function, so the check and the write are one transaction.
#include <optional>
#include <string>
#include <vector>

#include "storage/pg_pool.hpp"

namespace techpulse::storage {

struct HandoffOutcome {
  enum Status { ok, not_found, forbidden } status = not_found;
  std::string ticket_id;
  bool created = false;    // a new support ticket (else the thread's open ticket)
  bool duplicate = false;  // the thread was already handed off: nothing changed
  std::string ticket_json;  // the ticket as the queue shows it
};
// actor: the customer or staff member (tp_can_access decides); the assistant passes its analysis from the worker.
asio::awaitable<PgOutcome<HandoffOutcome>> handoff(PgPool& pool, std::string actor_id, std::string thread_id,
                                                   std::string reason);

struct ClaimOutcome {
  enum Status { ok, not_found, forbidden, conflict, gone, no_technician } status = not_found;
  bool duplicate = false;
  std::string ticket_json;
  std::string assignee;  // conflict: who has it
};
asio::awaitable<PgOutcome<ClaimOutcome>> claim_ticket(PgPool& pool, std::string actor_id, std::string ticket_id);
asio::awaitable<PgOutcome<ClaimOutcome>> assign_ticket(PgPool& pool, std::string actor_id, std::string ticket_id,
                                                       std::string technician_id);

struct QueueSnapshot {
  bool allowed = false;     // staff only
  std::string tickets_json;  // a JSON array, oldest first
};
asio::awaitable<PgOutcome<QueueSnapshot>> queue_snapshot(PgPool& pool, std::string user_id);

// tp_is_staff: may this user see the queue (a re-check after a role change)?
asio::awaitable<PgOutcome<bool>> is_staff(PgPool& pool, std::string user_id);

// --routing least-loaded: gives the ticket to the least loaded of candidates if it is still queued; the winner's
// id, or empty.
asio::awaitable<PgOutcome<std::string>> route_ticket(PgPool& pool, std::string ticket_id,
                                                     std::vector<std::string> candidates);

// The analytics summary of [from, to) (RFC 3339; empty: to now, from 30 days before to), tp_analytics_summary.
struct AnalyticsOutcome {
  enum Status { ok, forbidden, bad_range } status = ok;
  std::string json;
};
asio::awaitable<PgOutcome<AnalyticsOutcome>> analytics_summary(PgPool& pool, std::string actor_id, std::string from,
                                                               std::string to);

}  // namespace techpulse::storage
