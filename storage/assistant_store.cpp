#include "storage/assistant_store.hpp"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <cstdlib>

namespace techpulse::storage {

namespace {

std::string interval(Millis d) { return std::to_string(d.count()) + " milliseconds"; }

// The head of a tp_assistant payload; tp_assistant_notify adds the transaction and the event
// (011_assistant_snapshot.sql).
std::string head(const TurnInput& turn) { return turn.thread_id + '|' + turn.ticket_id + '|'; }

double to_double(std::string_view s) {
  try {
    return std::stod(std::string(s));
  } catch (...) {
    return 0;
  }
}

// The assistant.error event for a job ended by SQL (sweep, cancel of a queued turn), same shape as the worker's.
constexpr std::string_view kErrorEventSql =
    "'{{\"type\":\"assistant.error\",\"thread_id\":\"' || {t} || '\",\"turn_id\":\"' || {j} || "
    "'\",\"code\":' || to_json({code}::text)::text || ',\"message\":' || to_json({msg}::text)::text || '}}'";

std::string error_event_sql(std::string_view thread, std::string_view job, std::string_view code,
                            std::string_view msg) {
  return fmt::format(fmt::runtime(kErrorEventSql), fmt::arg("t", thread), fmt::arg("j", job), fmt::arg("code", code),
                     fmt::arg("msg", msg));
}

}  // namespace

asio::awaitable<PgOutcome<int>> AssistantStore::sweep(PgConn& c, int max_attempts, Millis timeout) {
  static const std::string sql = fmt::format(R"SQL(
WITH gone AS (
    UPDATE assistant_jobs j
       SET status = CASE WHEN j.cancel_requested OR j.status = 'queued' THEN 'cancelled' ELSE 'failed' END,
           error = CASE WHEN j.cancel_requested THEN 'the turn was cancelled'
                        WHEN j.status = 'queued' THEN 'the assistant was turned off in this thread'
                        ELSE 'gave up after ' || j.attempts || ' attempts: the worker stopped renewing its lease' END,
           finished_at = now(), lease_until = NULL
     WHERE (j.status = 'running' AND j.lease_until < now() AND (j.attempts >= $1 OR j.cancel_requested))
        OR (j.status = 'queued' AND j.cancel_requested)
        OR (j.status = 'queued' AND NOT EXISTS (SELECT 1 FROM conversation_threads t
                                                 WHERE t.id = j.thread_id AND t.assistant_enabled))
    RETURNING j.id, j.thread_id, j.status, j.error)
SELECT tp_assistant_notify(g.thread_id || '|' || coalesce(tp_thread_ticket(t.id)::text, '') || '|', {})
  FROM gone g JOIN conversation_threads t ON t.id = g.thread_id)SQL",
                                             error_event_sql("g.thread_id", "g.id",
                                                             "CASE WHEN g.status = 'cancelled' THEN 'cancelled' ELSE 'provider_error' END",
                                                             "CASE WHEN g.status = 'cancelled' THEN g.error ELSE 'the assistant could not answer: ' || g.error END"));
  auto p = params(std::to_string(max_attempts));
  auto r = co_await c.query(sql, p, timeout);
  if (!r.ok()) co_return fail<int>(r.error);
  co_return ok(r.value->rows());
}

asio::awaitable<PgOutcome<std::optional<ClaimedJob>>> AssistantStore::claim(PgConn& c, const Lease& lease,
                                                                            int max_attempts, Millis timeout) {
  using R = std::optional<ClaimedJob>;
  // Only the open job of a thread's oldest message is a candidate, so a thread's turns run one at a time, in
  // message order. A job commits with its message, and cursors are in commit order, so when a job is visible
  // every older job of its thread is too.
  // SKIP LOCKED lets concurrent claimers pass each other; a row claimed meanwhile fails the re-check of its
  // status and lease. The unique index on running jobs per thread is the last word.
  static constexpr std::string_view sql = R"SQL(
WITH cand AS (
    SELECT j.id FROM assistant_jobs j
     WHERE j.status IN ('queued', 'running') AND NOT j.cancel_requested
       AND (j.status = 'queued' OR j.lease_until < now())
       AND j.attempts < $3
       AND (j.status = 'running' OR EXISTS (SELECT 1 FROM conversation_threads t
                                             WHERE t.id = j.thread_id AND t.assistant_enabled))
       AND NOT EXISTS (SELECT 1 FROM assistant_jobs o
                        WHERE o.thread_id = j.thread_id AND o.status IN ('queued', 'running')
                          AND o.message_seq < j.message_seq)
     ORDER BY j.created_at, j.id
     LIMIT 1
     FOR UPDATE SKIP LOCKED)
UPDATE assistant_jobs j
   SET status = 'running', attempts = j.attempts + 1, worker = $1, lease_until = now() + $2::interval,
       started_at = coalesce(j.started_at, now())
  FROM cand WHERE j.id = cand.id
RETURNING j.id, j.thread_id, j.message_id, j.attempts, extract(epoch FROM clock_timestamp() - j.created_at)::float8)SQL";
  auto p = params(lease.worker, interval(lease.duration), std::to_string(max_attempts));
  auto r = co_await c.query(sql, p, timeout);
  if (!r.ok()) {
    if (r.error.sqlstate == "23505" || r.error.sqlstate == "40001" || r.error.sqlstate == "40P01") {
      co_return ok<R>(std::nullopt);  // another worker won this thread's turn
    }
    co_return fail<R>(r.error);
  }
  if (r.value->rows() == 0) co_return ok<R>(std::nullopt);
  const auto& res = *r.value;
  co_return ok<R>(ClaimedJob{std::string(res.get(0, 0)), std::string(res.get(0, 1)), std::string(res.get(0, 2)),
                             static_cast<int>(res.get_int(0, 3)), std::strtod(res.get(0, 4).data(), nullptr)});
}

asio::awaitable<PgOutcome<std::optional<bool>>> AssistantStore::heartbeat(PgConn& c, const ClaimedJob& job,
                                                                          const Lease& lease, Millis timeout) {
  using R = std::optional<bool>;
  auto p = params(job.id, lease.worker, std::to_string(job.attempt), interval(lease.duration));
  auto r = co_await c.query(
      "UPDATE assistant_jobs SET lease_until = now() + $4::interval "
      "WHERE id = $1 AND worker = $2 AND attempts = $3 AND status = 'running' RETURNING cancel_requested",
      p, timeout);
  if (!r.ok()) co_return fail<R>(r.error);
  if (r.value->rows() == 0) co_return ok<R>(std::nullopt);
  co_return ok<R>(r.value->get_bool(0, 0));
}

asio::awaitable<PgOutcome<TurnInput>> AssistantStore::load_turn(PgConn& c, const ClaimedJob& job, int recent_limit,
                                                                Millis timeout) {
  auto p = params(job.id, std::to_string(recent_limit));
  // The first row is the turn; the following rows are the earlier messages, newest first.
  auto r = co_await c.query(R"SQL(
WITH turn AS (
    SELECT j.thread_id, x.ticket_id, m.content, m.seq, coalesce(t.title, '') AS title,
           coalesce(tp_thread_vehicle(t.id), '') AS vehicle,
           coalesce((SELECT concat_ws(': ', k.title, k.description) FROM tickets k WHERE k.id = x.ticket_id),
                    (SELECT concat_ws(': ', s.ticket_number, s.issue_summary) FROM support_tickets s
                      WHERE s.id = x.ticket_id), '') AS summary
      FROM assistant_jobs j
      JOIN conversation_threads t ON t.id = j.thread_id
      CROSS JOIN LATERAL (SELECT tp_thread_ticket(t.id) AS ticket_id) x  -- a link its owner may not see is ignored
      JOIN chat_messages m ON m.id = j.message_id
     WHERE j.id = $1)
SELECT 0 AS k, thread_id::text, coalesce(ticket_id::text, ''), content, title, vehicle, summary, seq FROM turn
UNION ALL
SELECT 1, NULL, NULL, h.role, h.content, NULL, NULL, h.seq
  FROM (SELECT c.role, c.content, c.seq FROM chat_messages c, turn
         WHERE c.thread_id = turn.thread_id AND c.seq < turn.seq ORDER BY c.seq DESC LIMIT $2::int) h
ORDER BY k, seq DESC)SQL",
                            p, timeout);
  if (!r.ok()) co_return fail<TurnInput>(r.error);
  const auto& res = *r.value;
  if (res.rows() == 0 || res.get_int(0, 0) != 0) {
    co_return fail<TurnInput>(PgError{PgError::query, "02000", "the job's message or thread is gone"});
  }
  TurnInput t;
  t.thread_id = res.get(0, 1);
  t.ticket_id = res.get(0, 2);
  t.question = res.get(0, 3);
  t.thread_title = res.get(0, 4);
  t.vehicle = res.get(0, 5);
  t.ticket_summary = res.get(0, 6);
  for (int i = res.rows() - 1; i >= 1; --i) {
    t.recent.push_back(ChatLine{std::string(res.get(i, 3)), std::string(res.get(i, 4))});
  }
  co_return ok(std::move(t));
}

asio::awaitable<PgOutcome<Retrieval>> AssistantStore::search(PgConn& c, std::string query, std::string vehicle,
                                                             int limit, Millis timeout) {
  // Candidates: the 200 articles that best match the query words in their title, tags, category or vehicle
  // (head_tsv: small, never TOASTed), or, when fewer than `limit` match there, every article matching a word
  // anywhere. A common word matches nearly every article's content, and ranking them all by ts_rank_cd costs a
  // detoast of each search_tsv (about 100 ms at 10,000 articles). Articles about the thread's vehicle
  // weigh 1.5 times as much. For each hit, the (at most three) sentences that match the query best, for the
  // extractive answer and the prompt.
  static constexpr std::string_view sql = R"SQL(
WITH enough AS (
    SELECT count(*) >= $3::int AS yes
      FROM (SELECT 1 FROM knowledge_base k WHERE k.head_tsv @@ tp_or_tsquery($1) LIMIT $3::int) x),
cand AS (
    (SELECT k.id, k.title, k.vehicle_context, k.content, k.search_tsv FROM knowledge_base k
      WHERE (SELECT yes FROM enough) AND k.head_tsv @@ tp_or_tsquery($1)
      ORDER BY ts_rank(k.head_tsv, tp_or_tsquery($1)) DESC, k.id
      LIMIT 200)
    UNION ALL
    SELECT k.id, k.title, k.vehicle_context, k.content, k.search_tsv FROM knowledge_base k
     WHERE NOT (SELECT yes FROM enough) AND k.search_tsv @@ tp_or_tsquery($1)),
matched AS (
    SELECT c.*, CASE WHEN c.vehicle_context IS NULL OR $2 = '' THEN false
                     ELSE tp_vehicle_matches(c.vehicle_context, $2) END AS vmatch
      FROM cand c),
hits AS (
    SELECT m.id, m.title, coalesce(m.vehicle_context, '') AS vehicle_context, m.content, m.vmatch,
           ts_rank_cd(m.search_tsv, tp_or_tsquery($1)) * CASE WHEN m.vmatch THEN 1.5 ELSE 1 END AS score
      FROM matched m
     ORDER BY score DESC, m.id
     LIMIT $3::int)
SELECT h.id, h.title, h.vehicle_context, h.vmatch, h.score,
       (SELECT string_agg(s.sentence, E'\x1f' ORDER BY s.ord)
          FROM (SELECT x.ord, x.sentence
                  FROM regexp_split_to_table(h.content, '(?<=[.!?])\s+') WITH ORDINALITY AS x(sentence, ord)
                 WHERE to_tsvector('english', x.sentence) @@ tp_or_tsquery($1)
                 ORDER BY ts_rank_cd(to_tsvector('english', x.sentence), tp_or_tsquery($1)) DESC, x.ord
                 LIMIT 3) s)
  FROM hits h
 ORDER BY h.score DESC, h.id)SQL";
  auto p = params(query, vehicle, std::to_string(limit));
  auto r = co_await c.query(sql, p, timeout);
  if (!r.ok()) co_return fail<Retrieval>(r.error);
  Retrieval out;
  out.query_text = std::move(query);
  const auto& res = *r.value;
  for (int i = 0; i < res.rows(); ++i) {
    Passage ps;
    ps.id = res.get(i, 0);
    ps.title = res.get(i, 1);
    ps.vehicle_context = res.get(i, 2);
    ps.vehicle_match = res.get_bool(i, 3);
    ps.score = to_double(res.get(i, 4));
    std::string_view s = res.get(i, 5);
    while (!s.empty()) {
      auto pos = s.find('\x1f');
      ps.sentences.emplace_back(s.substr(0, pos));
      if (pos == std::string_view::npos) break;
      s.remove_prefix(pos + 1);
    }
    out.passages.push_back(std::move(ps));
  }
  co_return ok(std::move(out));
}

asio::awaitable<PgOutcome<bool>> AssistantStore::log_retrieval(PgConn& c, const std::string& thread_id,
                                                               const Retrieval& r, Millis timeout) {
  std::string ids = "{";
  for (size_t i = 0; i < r.passages.size(); ++i) {
    if (i) ids += ',';
    ids += r.passages[i].id;
  }
  ids += '}';
  auto p = params(thread_id, r.query_text, ids);
  auto res = co_await c.query(
      "INSERT INTO retrieval_logs (thread_id, query_text, source_type, result_ids) "
      "VALUES ($1, $2, 'knowledge_base', $3::uuid[])",
      p, timeout);
  if (!res.ok()) co_return fail<bool>(res.error);
  co_return ok(true);
}

asio::awaitable<PgOutcome<bool>> AssistantStore::publish(PgConn& c, const TurnInput& turn,
                                                         const std::string& event_json, Millis timeout) {
  auto p = params(head(turn), event_json);
  auto r = co_await c.query("SELECT tp_assistant_notify($1, $2)", p, timeout);
  if (!r.ok()) co_return fail<bool>(r.error);
  co_return ok(true);
}

asio::awaitable<PgOutcome<bool>> AssistantStore::publish_delta(PgConn& c, const ClaimedJob& job, const TurnInput& turn,
                                                               int64_t index, const std::string& text,
                                                               const std::string& event_json, Millis timeout) {
  auto p = params(job.id, std::to_string(job.attempt), std::to_string(index), text, head(turn), event_json);
  auto r = co_await c.query("SELECT tp_assistant_delta($1, $2::int, $3::int, $4, $5, $6)", p, timeout);
  if (!r.ok()) co_return fail<bool>(r.error);
  co_return ok(r.value->get_bool(0, 0));
}

asio::awaitable<PgOutcome<bool>> AssistantStore::finish(PgConn& c, const ClaimedJob& job, const TurnInput& turn,
                                                        const Reply& reply, Millis timeout) {
  auto begin = co_await c.exec("BEGIN", timeout);
  if (!begin.ok()) co_return fail<bool>(begin.error);
  auto rollback = [&]() -> asio::awaitable<void> {
    if (c.connected()) co_await c.exec("ROLLBACK", timeout);
  };
  auto p1 = params(job.id, std::to_string(job.attempt), reply.message_id,
                   reply.provider);
  auto mine = co_await c.query(
      "UPDATE assistant_jobs SET status = 'done', finished_at = now(), lease_until = NULL, reply_id = $3, "
      "provider = $4 "
      "WHERE id = $1 AND attempts = $2::int AND status = 'running' AND NOT cancel_requested RETURNING id",
      p1, timeout);
  if (!mine.ok()) {
    co_await rollback();
    co_return fail<bool>(mine.error);
  }
  if (mine.value->rows() == 0) {
    co_await rollback();
    co_return ok(false);
  }
  // The thread row is updated by the message's seq trigger: a separate statement, not a CTE beside the INSERT.
  auto p2 = params(reply.message_id, turn.thread_id, reply.content, reply.metadata_json);
  auto ins = co_await c.query(
      "INSERT INTO chat_messages (id, thread_id, sender_id, role, content, message_type, metadata) "
      "VALUES ($1, $2, NULL, 'assistant', $3, 'text', $4::jsonb)",
      p2, timeout);
  if (!ins.ok()) {
    co_await rollback();
    co_return fail<bool>(ins.error);
  }
  auto p3 = params(turn.thread_id, reply.content, fmt::format("{:.4f}", reply.confidence), head(turn),
                   reply.done_event_json);
  auto upd = co_await c.query(
      "UPDATE conversation_threads SET ai_response = $2, confidence_score = $3::numeric WHERE id = $1 "
      "RETURNING tp_assistant_notify($4, $5)",
      p3, timeout);
  if (!upd.ok()) {
    co_await rollback();
    co_return fail<bool>(upd.error);
  }
  if (!reply.handoff_reason.empty()) {
    // After assistant.done in the same transaction: subscribers see the answer, then the system message.
    auto p4 = params(turn.thread_id, reply.handoff_reason, reply.handoff_analysis_json);
    auto h = co_await c.query("SELECT status FROM tp_handoff(NULL, $1, $2, $3::jsonb)", p4, timeout);
    if (!h.ok()) {
      co_await rollback();
      co_return fail<bool>(h.error);
    }
  }
  auto commit = co_await c.exec("COMMIT", timeout);
  if (!commit.ok()) co_return fail<bool>(commit.error);
  co_return ok(true);
}

asio::awaitable<PgOutcome<bool>> AssistantStore::end(PgConn& c, const ClaimedJob& job, const TurnInput& turn,
                                                     const std::string& status, const std::string& reason,
                                                     const std::string& error_event, Millis timeout) {
  auto p = params(job.id, std::to_string(job.attempt), status, reason, head(turn), error_event);
  auto r = co_await c.query(
      "WITH e AS (UPDATE assistant_jobs SET status = $3, error = $4, finished_at = now(), lease_until = NULL "
      "WHERE id = $1 AND attempts = $2::int AND status = 'running' RETURNING id) "
      "SELECT tp_assistant_notify($5, $6) FROM e",
      p, timeout);
  if (!r.ok()) co_return fail<bool>(r.error);
  co_return ok(r.value->rows() == 1);
}

asio::awaitable<PgOutcome<CancelOutcome>> cancel_assistant(PgPool& pool, std::string user_id, std::string thread_id) {
  // A queued turn ends here (with its assistant.error); a running one is asked to stop through tp_job_cancel and
  // its worker, on whichever node, ends it.
  static const std::string sql = fmt::format(R"SQL(
WITH ok AS (SELECT tp_can_access($1, $2) AS allowed),
c AS (
    UPDATE assistant_jobs j
       SET cancel_requested = true,
           status = CASE WHEN j.status = 'queued' THEN 'cancelled' ELSE j.status END,
           error = CASE WHEN j.status = 'queued' THEN 'cancelled before it started' ELSE j.error END,
           finished_at = CASE WHEN j.status = 'queued' THEN now() ELSE j.finished_at END
      FROM ok
     WHERE ok.allowed AND j.thread_id = $2 AND j.status IN ('queued', 'running')
    RETURNING j.id, j.thread_id, j.status),
n AS (
    SELECT CASE WHEN c.status = 'cancelled'
                THEN tp_assistant_notify(c.thread_id || '|' || coalesce(tp_thread_ticket(t.id)::text, '') || '|', {})
                ELSE pg_notify('tp_job_cancel', c.id::text) IS NOT NULL END AS sent
      FROM c JOIN conversation_threads t ON t.id = c.thread_id)
SELECT ok.allowed, (SELECT count(*) FROM n) FROM ok)SQL",
                                             error_event_sql("c.thread_id", "c.id", "'cancelled'",
                                                             "'the turn was cancelled'"));
  auto p = params(user_id, thread_id);
  auto r = co_await pool.query(sql, p);
  if (!r.ok()) co_return fail<CancelOutcome>(r.error);
  CancelOutcome out;
  out.allowed = r.value->get_bool(0, 0);
  out.jobs = static_cast<int>(r.value->get_int(0, 1));
  co_return ok(out);
}

JobListener::JobListener(asio::any_io_executor ex, std::string conninfo,
                         std::function<void(const std::string&)> on_job,
                         std::function<void(const std::string&)> on_cancel)
    : conn_(ex, std::move(conninfo)),
      backoff_(ex),
      on_job_(std::move(on_job)),
      on_cancel_(std::move(on_cancel)) {}

void JobListener::start() { asio::co_spawn(conn_.executor(), run(), asio::detached); }

void JobListener::stop() {
  stopped_ = true;
  conn_.close();
  backoff_.cancel();
}

asio::awaitable<void> JobListener::run() {
  Millis backoff{100};
  const Millis connect_timeout{2000};
  const Millis query_timeout{5000};
  const Millis idle{10000};
  while (!stopped_) {
    if (!conn_.connected()) {
      auto err = co_await conn_.connect(connect_timeout);
      if (!err) {
        auto r = co_await conn_.exec("LISTEN tp_job; LISTEN tp_job_cancel", query_timeout);
        if (!r.ok()) err = r.error;
      }
      if (err) {
        conn_.close();
        if (stopped_) break;
        backoff_.expires_after(backoff);
        boost::system::error_code ec;
        co_await backoff_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        backoff = std::min(backoff * 2, Millis{5000});
        continue;
      }
      backoff = Millis{100};
      on_job_("");  // jobs queued while we were away
    }
    while (auto n = conn_.next_notification()) {
      if (n->channel == "tp_job") {
        on_job_(n->payload);
      } else if (n->channel == "tp_job_cancel") {
        on_cancel_(n->payload);
      }
    }
    if (!conn_.connected()) continue;
    auto err = co_await conn_.wait_input(idle);
    if (err) continue;
  }
  conn_.close();
}

}  // namespace techpulse::storage
