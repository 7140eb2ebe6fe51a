// The thread operations of ChatStore (thread.create, thread.update, threads.list, one thread and one message as a
// user may read them): each authorizes in the statement that writes or reads (tp_may_link, tp_can_access), so the
// check and the write see one snapshot.
#include "storage/chat_store.hpp"

namespace techpulse::storage {

asio::awaitable<PgOutcome<ThreadWrite>> ChatStore::create_thread(std::string user_id, std::optional<std::string> title,
                                                                 std::string ticket_id, bool assistant) {
  Params p = params(user_id, title, ticket_id.empty() ? std::nullopt : std::optional<std::string>(ticket_id),
                    assistant ? "true" : "false");
  // One statement: the link check and the insert see the same snapshot.
  auto r = co_await pool_.query(
      "WITH chk AS (SELECT $3::uuid IS NULL OR tp_ticket_exists($3::uuid) AS found, "
      "                    $3::uuid IS NULL OR tp_may_link($1::uuid, $1::uuid, $3::uuid) AS allowed), "
      "ins AS (INSERT INTO conversation_threads (user_id, title, ticket_id, assistant_enabled) "
      "        SELECT $1, $2, $3, $4 FROM chk WHERE chk.found AND chk.allowed "
      "        RETURNING tp_thread_json_for(conversation_threads, $1) AS j) "
      "SELECT chk.found, chk.allowed, (SELECT j FROM ins) FROM chk",
      p);
  if (!r.ok()) co_return fail<ThreadWrite>(r.error);
  const auto& res = *r.value;
  ThreadWrite w;
  if (!res.get_bool(0, 0)) {
    w.status = ThreadWrite::ticket_not_found;
  } else if (!res.get_bool(0, 1)) {
    w.status = ThreadWrite::ticket_forbidden;
  } else {
    w.json.assign(res.get(0, 2));
  }
  co_return ok(std::move(w));
}

asio::awaitable<PgOutcome<ThreadWrite>> ChatStore::update_thread(std::string actor_id, std::string thread_id,
                                                                 std::optional<std::string> title,
                                                                 std::optional<bool> assistant,
                                                                 std::optional<std::string> ticket) {
  const bool set_ticket = ticket.has_value();
  std::optional<std::string> ticket_value;
  if (ticket && !ticket->empty()) ticket_value = *ticket;
  Params p = params(actor_id, thread_id, title ? "true" : "false", title,
                    assistant ? std::optional<std::string>(*assistant ? "true" : "false") : std::nullopt,
                    set_ticket ? "true" : "false", ticket_value);
  // One statement: access, the link check and the update see the same snapshot (the thread row is locked first).
  auto r = co_await pool_.query(
      "WITH cur AS (SELECT t.id, t.user_id, tp_can_access($1::uuid, t.id) AS allowed FROM conversation_threads t "
      "              WHERE t.id = $2::uuid FOR UPDATE), "
      "chk AS (SELECT cur.id, cur.allowed, "
      "               (NOT $6::boolean OR $7::uuid IS NULL OR tp_ticket_exists($7::uuid)) AS ticket_found, "
      "               (NOT $6::boolean OR $7::uuid IS NULL OR tp_may_link($1::uuid, cur.user_id, $7::uuid)) AS may_link, "
      "               tp_may_set_assistant($1::uuid, cur.id, $5::boolean) AS may_assist "
      "          FROM cur), "
      "upd AS (UPDATE conversation_threads t SET title = CASE WHEN $3::boolean THEN $4 ELSE t.title END, "
      "               assistant_enabled = coalesce($5::boolean, t.assistant_enabled), "
      "               ticket_id = CASE WHEN $6::boolean THEN $7::uuid ELSE t.ticket_id END, updated_at = now() "
      "          FROM chk WHERE t.id = chk.id AND chk.allowed AND chk.ticket_found AND chk.may_link AND chk.may_assist "
      "        RETURNING t.id) "
      "SELECT chk.id IS NOT NULL, coalesce(chk.allowed, false), coalesce(chk.ticket_found, false), "
      "       coalesce(chk.may_link, false), (SELECT count(*) FROM upd), coalesce(chk.may_assist, false) "
      "  FROM (SELECT 1) one LEFT JOIN chk ON true",
      p);
  if (!r.ok()) co_return fail<ThreadWrite>(r.error);
  const auto& res = *r.value;
  ThreadWrite w;
  if (!res.get_bool(0, 0)) {
    w.status = ThreadWrite::thread_not_found;
  } else if (!res.get_bool(0, 1)) {
    w.status = ThreadWrite::thread_forbidden;
  } else if (!res.get_bool(0, 2)) {
    w.status = ThreadWrite::ticket_not_found;
  } else if (!res.get_bool(0, 3)) {
    w.status = ThreadWrite::ticket_forbidden;
  } else if (!res.get_bool(0, 5)) {
    w.status = ThreadWrite::assistant_forbidden;
  } else {
    // Read after the write: a link that made the owner's thread claim the ticket shows in a new snapshot.
    auto jp = params(thread_id, actor_id);
    auto j = co_await pool_.query("SELECT tp_thread_json_for(t, $2) FROM conversation_threads t WHERE t.id = $1", jp);
    if (!j.ok()) co_return fail<ThreadWrite>(j.error);
    if (j.value->rows() == 0) {
      w.status = ThreadWrite::thread_not_found;
    } else {
      w.json.assign(j.value->get(0, 0));
    }
  }
  co_return ok(std::move(w));
}

asio::awaitable<PgOutcome<ThreadPage>> ChatStore::list_threads(std::string user_id, std::string before, int limit) {
  // The paging token is "<created_at>_<id>" of the last thread of the previous page.
  std::optional<std::string> before_ts, before_id;
  if (!before.empty()) {
    auto pos = before.rfind('_');
    if (pos == std::string::npos) {
      co_return fail<ThreadPage>(PgError{PgError::query, "22023", "before is not a token from a threads reply"});
    }
    before_ts = before.substr(0, pos);
    before_id = before.substr(pos + 1);
  }
  auto r = co_await pool_.query(
      "SELECT tp_thread_json_for(t, $1), tp_ts(t.created_at) || '_' || t.id FROM conversation_threads t "
      "WHERE tp_can_access($1, t.id) AND ($2::timestamptz IS NULL OR (t.created_at, t.id) < ($2::timestamptz, $3::uuid)) "
      "ORDER BY t.created_at DESC, t.id DESC LIMIT $4",
      params(user_id, before_ts, before_id, std::to_string(limit + 1)));
  if (!r.ok()) co_return fail<ThreadPage>(r.error);
  ThreadPage page;
  const auto& res = *r.value;
  int n = std::min(res.rows(), limit);
  for (int i = 0; i < n; ++i) {
    page.threads_json.emplace_back(res.get(i, 0));
  }
  page.has_more = res.rows() > limit;
  if (page.has_more && n > 0) {
    page.next_before = std::string(res.get(n - 1, 1));
  }
  co_return ok(std::move(page));
}

asio::awaitable<PgOutcome<std::optional<std::string>>> ChatStore::thread_json(std::string user_id,
                                                                              std::string thread_id) {
  using R = std::optional<std::string>;
  auto p = params(thread_id, user_id);
  auto r = co_await pool_.query("SELECT tp_thread_json_for(t, $2) FROM conversation_threads t WHERE t.id = $1", p);
  if (!r.ok()) co_return fail<R>(r.error);
  if (r.value->rows() == 0) co_return ok(R{});
  co_return ok(R{std::string(r.value->get(0, 0))});
}

asio::awaitable<PgOutcome<std::optional<std::string>>> ChatStore::readable_message_json(std::string user_id,
                                                                                        std::string message_id) {
  using R = std::optional<std::string>;
  auto p = params(user_id, message_id);
  auto r = co_await pool_.query(
      "SELECT tp_message_json(m) FROM chat_messages m WHERE m.id = $2 AND tp_can_access($1, m.thread_id)", p);
  if (!r.ok()) co_return fail<R>(r.error);
  if (r.value->rows() == 0) co_return ok(R{});
  co_return ok(R{std::string(r.value->get(0, 0))});
}

}  // namespace techpulse::storage
