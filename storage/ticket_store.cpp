#include "storage/ticket_store.hpp"

namespace techpulse::storage {

namespace {

// tp_support_ticket_json, tp_ticket_json, tp_work_order_json (003_access.sql) and tp_thread_json (002_realtime.sql)
// build the objects of the live events, so the snapshot and the events have the same fields.
constexpr std::string_view kAssignedTicketsSql = R"sql(
WITH mine AS (
  SELECT tp_support_ticket_json(s)::jsonb AS t, s.id, s.updated_at
    FROM support_tickets s WHERE s.assigned_technician = $1
  UNION ALL
  SELECT tp_ticket_json(k)::jsonb
           || jsonb_build_object('customer_name', (SELECT p.full_name FROM profiles p WHERE p.id = k.customer_id)),
         k.id, k.updated_at
    FROM tickets k WHERE k.assigned_technician_id = $1
)
SELECT (SELECT role FROM profiles WHERE id = $1),
       coalesce(jsonb_agg(m.t || jsonb_build_object(
           'work_orders', coalesce((SELECT jsonb_agg(tp_work_order_json(w)::jsonb ORDER BY w.created_at, w.id)
                                      FROM work_orders w WHERE w.ticket_id = m.id), '[]'::jsonb),
           'threads', coalesce((SELECT jsonb_agg(tp_thread_json(c)::jsonb ORDER BY c.created_at, c.id)
                                     FROM conversation_threads c WHERE c.ticket_id = m.id), '[]'::jsonb))
         ORDER BY m.updated_at DESC, m.id), '[]'::jsonb)::text
  FROM mine m
)sql";

}  // namespace

asio::awaitable<PgOutcome<AssignedTickets>> assigned_tickets(PgPool& pool, std::string user_id) {
  auto r = co_await pool.query(kAssignedTicketsSql, params(user_id));
  if (!r.ok()) co_return fail<AssignedTickets>(r.error);
  AssignedTickets out;
  if (!r.value->is_null(0, 0)) out.role = std::string(r.value->get(0, 0));
  out.tickets_json = std::string(r.value->get(0, 1));
  co_return ok(std::move(out));
}

}  // namespace techpulse::storage
