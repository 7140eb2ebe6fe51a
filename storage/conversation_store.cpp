#include "storage/conversation_store.hpp"

#include <fmt/format.h>

#include <charconv>

namespace techpulse::storage {

namespace {

// One statement for edit and delete: the message row is locked first, the rule and the write see the same
// snapshot, and the BEFORE UPDATE trigger gives the change its cursor. {rule} is tp_can_edit_message or
// tp_can_delete_message, {set} the assignment, {noop} when the write would change nothing.
constexpr std::string_view kChangeSql = R"SQL(
WITH m AS (
    SELECT c.id, c.thread_id, c.deleted_at IS NOT NULL AS deleted, {noop} AS noop,
           tp_can_access($1, c.thread_id) AS readable, {rule}($1, c.id) AS allowed
      FROM chat_messages c WHERE c.id = $2 FOR UPDATE),
upd AS (
    UPDATE chat_messages c SET {set}
      FROM m WHERE c.id = m.id AND m.readable AND m.allowed AND NOT m.deleted AND NOT m.noop
    RETURNING c.change_seq, tp_message_json(c) AS j, tp_ts(coalesce(c.deleted_at, c.edited_at)) AS at)
SELECT m.id IS NOT NULL, coalesce(m.readable, false), coalesce(m.allowed, false), coalesce(m.deleted, false),
       m.thread_id, upd.change_seq IS NOT NULL,
       coalesce(upd.change_seq, cur.change_seq, cur.seq), coalesce(upd.j, tp_message_json(cur)),
       coalesce(upd.at, tp_ts(coalesce(cur.deleted_at, cur.edited_at))), tp_thread_ticket(m.thread_id)
  FROM (SELECT 1) one
  LEFT JOIN m ON true
  LEFT JOIN upd ON true
  LEFT JOIN chat_messages cur ON cur.id = m.id)SQL";

asio::awaitable<PgOutcome<MessageChange>> change(PgPool& pool, const std::string& sql, const Params& p, bool is_delete) {
  auto r = co_await pool.query(sql, p);
  if (!r.ok()) co_return fail<MessageChange>(r.error);
  const auto& res = *r.value;
  MessageChange c;
  if (!res.get_bool(0, 0) || !res.get_bool(0, 1)) {
    c.status = MessageChange::not_found;
    co_return ok(std::move(c));
  }
  if (!res.get_bool(0, 2)) {
    c.status = MessageChange::forbidden;
    co_return ok(std::move(c));
  }
  bool deleted = res.get_bool(0, 3);
  if (deleted && !is_delete) {
    c.status = MessageChange::gone;
    co_return ok(std::move(c));
  }
  c.status = MessageChange::ok;
  c.thread_id.assign(res.get(0, 4));
  c.duplicate = !res.get_bool(0, 5);
  c.cursor = res.get_int(0, 6);
  c.json.assign(res.get(0, 7));
  if (!res.is_null(0, 8)) c.at.assign(res.get(0, 8));
  if (!res.is_null(0, 9)) c.ticket_id.assign(res.get(0, 9));
  co_return ok(std::move(c));
}

}  // namespace

asio::awaitable<PgOutcome<ThreadEvents>> thread_events_after(PgPool& pool, std::string thread_id, int64_t after,
                                                             int limit) {
  // One statement, so the page and last_seq come from one snapshot.
  auto p = params(thread_id, std::to_string(after), std::to_string(limit));
  auto r = co_await pool.query(
      "SELECT t.last_seq, CASE WHEN tp_link_holds(t.user_id, t.ticket_id) THEN t.ticket_id END, "
      "       e.cursor_, e.kind, e.message_id, e.body "
      "  FROM conversation_threads t "
      "  LEFT JOIN LATERAL tp_thread_events_after(t.id, $2::bigint, $3::int) e ON true "
      " WHERE t.id = $1 ORDER BY e.cursor_",
      p);
  if (!r.ok()) co_return fail<ThreadEvents>(r.error);
  const auto& res = *r.value;
  ThreadEvents out;
  out.last_seq = after;
  for (int i = 0; i < res.rows(); ++i) {
    out.exists = true;
    out.last_seq = res.get_int(i, 0);
    if (!res.is_null(i, 1)) out.ticket_id.assign(res.get(i, 1));
    if (res.is_null(i, 2)) continue;
    ThreadEvent e;
    e.cursor = res.get_int(i, 2);
    auto k = res.get(i, 3);
    e.kind = k == "u" ? ThreadEvent::updated : k == "d" ? ThreadEvent::deleted : ThreadEvent::message;
    e.message_id.assign(res.get(i, 4));
    e.json.assign(res.get(i, 5));
    out.events.push_back(std::move(e));
  }
  out.more = out.events.size() >= static_cast<size_t>(limit);
  co_return ok(std::move(out));
}

asio::awaitable<PgOutcome<MessageChange>> edit_message(PgPool& pool, std::string user_id, std::string message_id,
                                                       std::string content) {
  static const std::string sql =
      fmt::format(fmt::runtime(kChangeSql), fmt::arg("rule", "tp_can_edit_message"), fmt::arg("set", "content = $3"),
                  fmt::arg("noop", "c.content = $3"));
  auto p = params(user_id, message_id, content);
  co_return co_await change(pool, sql, p, false);
}

asio::awaitable<PgOutcome<MessageChange>> delete_message(PgPool& pool, std::string user_id, std::string message_id) {
  static const std::string sql =
      fmt::format(fmt::runtime(kChangeSql), fmt::arg("rule", "tp_can_delete_message"),
                  fmt::arg("set", "deleted_at = now()"), fmt::arg("noop", "false"));
  auto p = params(user_id, message_id);
  co_return co_await change(pool, sql, p, true);
}

asio::awaitable<PgOutcome<ReadOutcome>> mark_read(PgPool& pool, std::string user_id, std::string thread_id,
                                                  int64_t cursor, std::string session_id) {
  auto p = params(user_id, thread_id, std::to_string(cursor), session_id);
  auto r = co_await pool.query("SELECT thread_found, allowed, read_cursor, moved FROM tp_mark_read($1, $2, $3, $4)", p);
  if (!r.ok()) co_return fail<ReadOutcome>(r.error);
  const auto& res = *r.value;
  ReadOutcome o;
  if (!res.get_bool(0, 0)) {
    o.status = ReadOutcome::not_found;
  } else if (!res.get_bool(0, 1)) {
    o.status = ReadOutcome::forbidden;
  } else {
    o.status = ReadOutcome::ok;
    o.cursor = res.get_int(0, 2);
    o.moved = res.get_bool(0, 3);
  }
  co_return ok(o);
}

asio::awaitable<PgOutcome<std::vector<ThreadSummary>>> ticket_thread_summaries(PgPool& pool, std::string user_id,
                                                                               std::string ticket_id) {
  using R = std::vector<ThreadSummary>;
  auto p = params(user_id, ticket_id);
  auto r = co_await pool.query(
      "SELECT t.id, t.last_seq, tp_unread($1, t.id), "
      "       coalesce((SELECT r.last_read FROM chat_read_state r WHERE r.thread_id = t.id AND r.user_id = $1), 0), "
      "       tp_last_message_json(t.id) "
      "  FROM conversation_threads t "
      " WHERE t.ticket_id = $2 AND tp_link_holds(t.user_id, t.ticket_id) AND tp_can_access($1, t.id) "
      " ORDER BY t.created_at, t.id",
      p);
  if (!r.ok()) co_return fail<R>(r.error);
  const auto& res = *r.value;
  R out;
  for (int i = 0; i < res.rows(); ++i) {
    out.push_back(ThreadSummary{std::string(res.get(i, 0)), res.get_int(i, 1), res.get_int(i, 2), res.get_int(i, 3),
                                std::string(res.get(i, 4))});
  }
  co_return ok(std::move(out));
}

asio::awaitable<PgOutcome<std::optional<std::string>>> thread_json_for(PgPool& pool, std::string user_id,
                                                                       std::string thread_id) {
  using R = std::optional<std::string>;
  auto p = params(user_id, thread_id);
  auto r = co_await pool.query("SELECT tp_thread_json_for(t, $1) FROM conversation_threads t WHERE t.id = $2", p);
  if (!r.ok()) co_return fail<R>(r.error);
  if (r.value->rows() == 0) co_return ok(R{});
  co_return ok(R{std::string(r.value->get(0, 0))});
}

asio::awaitable<PgOutcome<SearchPage>> search_messages(PgPool& pool, std::string user_id, std::string query,
                                                       std::string thread_id, int limit, std::string before) {
  // The paging token is "<rank>_<message id>" of the last hit of the previous page (rank as PostgreSQL prints a
  // real, which reads back to the same value).
  std::optional<std::string> before_rank, before_id;
  if (!before.empty()) {
    auto pos = before.rfind('_');
    double ignored = 0;
    auto [ptr, ec] = pos == std::string::npos ? std::from_chars_result{nullptr, std::errc::invalid_argument}
                                              : std::from_chars(before.data(), before.data() + pos, ignored);
    if (ec != std::errc() || ptr != before.data() + pos || before.size() - pos - 1 != 36) {
      co_return fail<SearchPage>(PgError{PgError::query, "22023", "before is not a token from a search.results reply"});
    }
    before_rank = before.substr(0, pos);
    before_id = before.substr(pos + 1);
  }
  std::optional<std::string> thread;
  if (!thread_id.empty()) thread = thread_id;
  auto p = params(user_id, query, thread, std::to_string(limit + 1), before_rank, before_id);
  // Only threads the caller may read are searched (tp_can_access on each candidate thread, in the same statement).
  auto r = co_await pool.query(
      "WITH q AS (SELECT websearch_to_tsquery('english', $2) AS q), "
      "hits AS (SELECT m.id, m.thread_id, m.seq, ts_rank_cd(m.search_tsv, q.q)::real AS rank, m.content, "
      "                tp_message_json(m) AS j "
      "           FROM chat_messages m, q "
      "          WHERE m.search_tsv @@ q.q AND m.deleted_at IS NULL "
      "            AND ($3::uuid IS NULL OR m.thread_id = $3::uuid) "
      "            AND m.thread_id IN (SELECT t.id FROM conversation_threads t "
      "                                 WHERE ($3::uuid IS NULL OR t.id = $3::uuid) AND tp_can_access($1, t.id))) "
      "SELECT h.id, h.thread_id, h.seq, h.rank, tp_search_snippet(h.content, q.q), h.j, "
      "       h.rank::text || '_' || h.id, "
      "       ($3::uuid IS NULL OR tp_can_access($1, $3::uuid)) "
      "  FROM (SELECT 1) one LEFT JOIN (hits h CROSS JOIN q) ON "
      "       ($5::real IS NULL OR (h.rank, h.id) < ($5::real, $6::uuid)) "
      " ORDER BY h.rank DESC NULLS LAST, h.id DESC LIMIT $4",
      p);
  if (!r.ok()) co_return fail<SearchPage>(r.error);
  const auto& res = *r.value;
  SearchPage page;
  int n = 0;
  for (int i = 0; i < res.rows(); ++i) {
    page.thread_found = res.get_bool(i, 7);
    if (res.is_null(i, 0)) continue;
    if (n == limit) {
      page.has_more = true;
      break;
    }
    SearchHit h;
    h.message_id.assign(res.get(i, 0));
    h.thread_id.assign(res.get(i, 1));
    h.cursor = res.get_int(i, 2);
    auto rs = res.get(i, 3);
    std::from_chars(rs.data(), rs.data() + rs.size(), h.rank);
    h.snippet.assign(res.get(i, 4));
    h.message_json.assign(res.get(i, 5));
    page.next_before.assign(res.get(i, 6));
    page.hits.push_back(std::move(h));
    ++n;
  }
  if (!page.has_more) page.next_before.clear();
  co_return ok(std::move(page));
}

}  // namespace techpulse::storage
