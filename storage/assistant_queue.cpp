// The assistant's queue as the metrics see it (techpulse_assistant_queue_depth, docs/operations.md).
#include "storage/assistant_store.hpp"

namespace techpulse::storage {

asio::awaitable<PgOutcome<int64_t>> assistant_queue_depth(PgPool& pool, Millis timeout) {
  // assistant_jobs_open_idx covers status IN ('queued', 'running').
  auto r = co_await pool.query("SELECT count(*) FROM assistant_jobs WHERE status = 'queued'", {}, timeout);
  if (!r.ok()) co_return fail<int64_t>(r.error);
  co_return ok<int64_t>(r.value->get_int(0, 0));
}

}  // namespace techpulse::storage
