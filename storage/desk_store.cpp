#include "storage/desk_store.hpp"

namespace techpulse::storage {

asio::awaitable<PgOutcome<HandoffOutcome>> handoff(PgPool& pool, std::string actor_id, std::string thread_id,
                                                   std::string reason) {
  std::optional<std::string> why;
  if (!reason.empty()) why = reason;
  auto r = co_await pool.query(
      "SELECT h.status, h.ticket_id, h.created, h.duplicate, "
      "       (SELECT tp_queue_ticket_json(s) FROM support_tickets s WHERE s.id = h.ticket_id) "
      "  FROM tp_handoff($1::uuid, $2::uuid, $3, NULL) h",
      params(actor_id, thread_id, why));
  if (!r.ok()) co_return fail<HandoffOutcome>(r.error);
  const auto& res = *r.value;
  HandoffOutcome o;
  auto status = res.get(0, 0);
  if (status == "not_found") co_return ok(std::move(o));
  if (status == "forbidden") {
    o.status = HandoffOutcome::forbidden;
    co_return ok(std::move(o));
  }
  o.status = HandoffOutcome::ok;
  if (!res.is_null(0, 1)) o.ticket_id.assign(res.get(0, 1));
  o.created = res.get_bool(0, 2);
  o.duplicate = res.get_bool(0, 3);
  o.ticket_json = res.is_null(0, 4) ? std::string("null") : std::string(res.get(0, 4));
  co_return ok(std::move(o));
}

namespace {

ClaimOutcome claim_from(const PgResult& res) {
  ClaimOutcome o;
  auto status = res.get(0, 0);
  if (status == "ok") o.status = ClaimOutcome::ok;
  else if (status == "forbidden") o.status = ClaimOutcome::forbidden;
  else if (status == "conflict") o.status = ClaimOutcome::conflict;
  else if (status == "gone") o.status = ClaimOutcome::gone;
  else if (status == "no_technician") o.status = ClaimOutcome::no_technician;
  if (!res.is_null(0, 1)) o.ticket_json.assign(res.get(0, 1));
  return o;
}

}  // namespace

asio::awaitable<PgOutcome<ClaimOutcome>> claim_ticket(PgPool& pool, std::string actor_id, std::string ticket_id) {
  auto r = co_await pool.query("SELECT c.status, c.ticket_json, c.duplicate, c.assignee FROM tp_claim_ticket($1, $2) c",
                               params(actor_id, ticket_id));
  if (!r.ok()) co_return fail<ClaimOutcome>(r.error);
  auto o = claim_from(*r.value);
  o.duplicate = r.value->get_bool(0, 2);
  if (!r.value->is_null(0, 3)) o.assignee.assign(r.value->get(0, 3));
  co_return ok(std::move(o));
}

asio::awaitable<PgOutcome<ClaimOutcome>> assign_ticket(PgPool& pool, std::string actor_id, std::string ticket_id,
                                                       std::string technician_id) {
  auto r = co_await pool.query("SELECT a.status, a.ticket_json FROM tp_assign_ticket($1, $2, $3) a",
                               params(actor_id, ticket_id, technician_id));
  if (!r.ok()) co_return fail<ClaimOutcome>(r.error);
  co_return ok(claim_from(*r.value));
}

asio::awaitable<PgOutcome<QueueSnapshot>> queue_snapshot(PgPool& pool, std::string user_id) {
  auto r = co_await pool.query("SELECT tp_is_staff($1), CASE WHEN tp_is_staff($1) THEN tp_queue_json() END",
                               params(user_id));
  if (!r.ok()) co_return fail<QueueSnapshot>(r.error);
  QueueSnapshot q;
  q.allowed = r.value->get_bool(0, 0);
  if (q.allowed) q.tickets_json.assign(r.value->get(0, 1));
  co_return ok(std::move(q));
}

asio::awaitable<PgOutcome<bool>> is_staff(PgPool& pool, std::string user_id) {
  auto r = co_await pool.query("SELECT tp_is_staff($1)", params(user_id));
  if (!r.ok()) co_return fail<bool>(r.error);
  co_return ok(r.value->get_bool(0, 0));
}

asio::awaitable<PgOutcome<std::string>> route_ticket(PgPool& pool, std::string ticket_id,
                                                     std::vector<std::string> candidates) {
  std::string arr = "{";
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (i) arr += ',';
    arr += candidates[i];
  }
  arr += '}';
  auto r = co_await pool.query("SELECT tp_route_ticket($1, $2::uuid[])", params(ticket_id, arr));
  if (!r.ok()) co_return fail<std::string>(r.error);
  co_return ok(r.value->is_null(0, 0) ? std::string() : std::string(r.value->get(0, 0)));
}

asio::awaitable<PgOutcome<AnalyticsOutcome>> analytics_summary(PgPool& pool, std::string actor_id, std::string from,
                                                               std::string to) {
  std::optional<std::string> f, t;
  if (!from.empty()) f = from;
  if (!to.empty()) t = to;
  auto r = co_await pool.query(
      "WITH r AS (SELECT coalesce($3::timestamptz, now()) AS upto) "
      "SELECT CASE WHEN coalesce($2::timestamptz, r.upto - interval '30 days') > r.upto THEN 'bad' END, "
      "       tp_analytics_summary($1, coalesce($2::timestamptz, r.upto - interval '30 days'), r.upto) FROM r",
      params(actor_id, f, t));
  AnalyticsOutcome o;
  if (!r.ok()) {
    const auto& st = r.error.sqlstate;
    if (st == "22007" || st == "22008" || st == "22P02") {
      o.status = AnalyticsOutcome::bad_range;
      co_return ok(std::move(o));
    }
    co_return fail<AnalyticsOutcome>(r.error);
  }
  if (!r.value->is_null(0, 0)) {
    o.status = AnalyticsOutcome::bad_range;
  } else if (r.value->is_null(0, 1)) {
    o.status = AnalyticsOutcome::forbidden;
  } else {
    o.json.assign(r.value->get(0, 1));
  }
  co_return ok(std::move(o));
}

}  // namespace techpulse::storage
