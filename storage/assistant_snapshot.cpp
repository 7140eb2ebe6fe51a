// A thread's running assistant turn for a late joiner's assistant.snapshot (docs/assistant.md, "Late joiners").
#include "storage/assistant_store.hpp"

namespace techpulse::storage {

asio::awaitable<PgOutcome<TurnSnapshot>> running_turn(PgPool& pool, std::string thread_id) {
  // One statement: the snapshot it reads under, and the thread's running turn (at most one) with the text of its
  // current attempt's deltas. The deltas it sees are a prefix (0..index): a worker publishes them one at a time.
  static constexpr std::string_view sql = R"SQL(
SELECT pg_current_snapshot()::text, j.id::text, j.message_id::text,
       coalesce((SELECT max(d.idx) FROM assistant_deltas d WHERE d.job_id = j.id AND d.attempt = j.attempts), -1),
       coalesce((SELECT string_agg(d.text, '' ORDER BY d.idx) FROM assistant_deltas d
                  WHERE d.job_id = j.id AND d.attempt = j.attempts), '')
  FROM (SELECT 1) one
  LEFT JOIN assistant_jobs j ON j.thread_id = $1 AND j.status = 'running')SQL";
  auto r = co_await pool.query(sql, params(thread_id));
  if (!r.ok()) co_return fail<TurnSnapshot>(r.error);
  const auto& res = *r.value;
  auto seen = res.rows() == 1 ? XidSnapshot::parse(res.get(0, 0)) : std::nullopt;
  if (!seen) co_return fail<TurnSnapshot>(PgError{PgError::query, "XX000", "unexpected snapshot from the database"});
  TurnSnapshot t;
  t.seen = std::move(*seen);
  if (!res.is_null(0, 1)) {
    t.running = true;
    t.turn_id = res.get(0, 1);
    t.in_reply_to = res.get(0, 2);
    t.index = res.get_int(0, 3);
    t.text = res.get(0, 4);
  }
  co_return ok(std::move(t));
}

}  // namespace techpulse::storage
