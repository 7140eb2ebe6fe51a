#include "storage/chat_store.hpp"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <unordered_map>

#include "protocol/json_writer.hpp"
#include "storage/migrate.hpp"

namespace techpulse::storage {

namespace {

constexpr std::string_view kInsertBatch = R"SQL(
WITH input AS (
    SELECT r.*,
           EXISTS (SELECT 1 FROM conversation_threads t WHERE t.id = r.thread_id) AS thread_exists,
           tp_can_access(r.sender_id, r.thread_id) AS allowed
      FROM jsonb_to_recordset($1::jsonb) AS r(ord int, id uuid, thread_id uuid, sender_id uuid, role text,
                                              content text, message_type text, metadata jsonb, client_msg_id text)
), ins AS (
    INSERT INTO chat_messages (id, thread_id, sender_id, role, content, message_type, metadata, client_msg_id)
    -- The role is the sender's profile role at commit time (a session may not have heard of a demotion yet).
    SELECT id, thread_id, sender_id,
           coalesce((SELECT CASE p.role WHEN 'customer' THEN 'user' ELSE 'technician' END
                       FROM profiles p WHERE p.id = input.sender_id), input.role),
           content, message_type, metadata, client_msg_id
      FROM input
     WHERE allowed
       -- A retried send is answered from the existing row without reaching the seq trigger, so retries do not
       -- consume cursors. (ON CONFLICT still guards the race with another writer.)
       AND NOT EXISTS (SELECT 1 FROM chat_messages e WHERE input.client_msg_id IS NOT NULL
                          AND e.thread_id = input.thread_id AND e.sender_id = input.sender_id
                          AND e.client_msg_id = input.client_msg_id)
     ORDER BY ord
    ON CONFLICT (thread_id, sender_id, client_msg_id) WHERE client_msg_id IS NOT NULL DO NOTHING
    RETURNING id, seq, created_at
)
SELECT i.ord, i.thread_exists, i.allowed, coalesce(ins.id, ex.id), coalesce(ins.seq, ex.seq),
       tp_ts(coalesce(ins.created_at, ex.created_at)), ins.id IS NULL
  FROM input i
  LEFT JOIN ins ON ins.id = i.id
  LEFT JOIN chat_messages ex ON ins.id IS NULL AND i.client_msg_id IS NOT NULL AND ex.thread_id = i.thread_id
                            AND ex.sender_id = i.sender_id AND ex.client_msg_id = i.client_msg_id
 ORDER BY i.ord)SQL";

constexpr std::string_view kFindByClientMsgId = R"SQL(
SELECT id, seq, tp_ts(created_at) FROM chat_messages
 WHERE thread_id = $1 AND sender_id = $2 AND client_msg_id = $3)SQL";

}  // namespace

struct ChatStore::Writer {
  Writer(asio::any_io_executor ex, const std::string& conninfo) : conn(ex, conninfo), wake(ex), backoff(ex) {
    wake.expires_at(std::chrono::steady_clock::time_point::max());
  }
  PgConn conn;
  asio::steady_timer wake;
  asio::steady_timer backoff;  // between connection attempts; stop() cancels it
  std::deque<std::pair<NewMessage, std::function<void(SendOutcome)>>> queue;
  bool running = true;
};

ChatStore::ChatStore(asio::any_io_executor ex, PoolOptions pool, WriterOptions writer)
    : pool_(std::move(ex), std::move(pool)), wopts_(writer) {}

ChatStore::~ChatStore() = default;

void ChatStore::start() {
  for (size_t i = 0; i < std::max<size_t>(1, wopts_.connections); ++i) {
    auto w = std::make_shared<Writer>(pool_.executor(), pool_.options().conninfo);
    writers_.push_back(w);
    asio::co_spawn(pool_.executor(), run_writer(w), asio::detached);
  }
}

void ChatStore::stop() {
  // Called after the drain (every send acked). What still runs ends now instead of staying suspended past the
  // executor's stop: the frames of suspended coroutines outlive this store and must not find it gone.
  stopped_ = true;
  for (auto& w : writers_) {
    w->running = false;
    w->wake.cancel();
    w->backoff.cancel();
    w->conn.close();
  }
  pool_.stop();
}

void ChatStore::submit(NewMessage msg, std::function<void(SendOutcome)> done) {
  if (writers_.empty() || stopped_) {
    done(SendOutcome{SendOutcome::unavailable, {}, 0, {}, "the gateway is shutting down"});
    return;
  }
  size_t idx = std::hash<std::string>{}(msg.thread_id) % writers_.size();
  auto& w = writers_[idx];
  w->queue.emplace_back(std::move(msg), std::move(done));
  w->wake.cancel();
}

asio::awaitable<void> ChatStore::run_writer(std::shared_ptr<Writer> w) {
  auto backoff = Millis{50};
  for (;;) {
    if (!w->running) {
      // Stopped: what is still queued is answered, not written (stop() closed the connection).
      auto q = std::move(w->queue);
      w->queue.clear();
      for (auto& [m, done] : q) {
        done(SendOutcome{SendOutcome::unavailable, {}, 0, {}, "the gateway is shutting down"});
      }
      co_return;
    }
    if (w->queue.empty()) {
      boost::system::error_code ec;
      w->wake.expires_at(std::chrono::steady_clock::time_point::max());
      co_await w->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (!w->conn.connected()) {
      if (auto err = co_await w->conn.connect(pool_.options().connect_timeout)) {
        // The database is away: every queued send learns it now instead of waiting for a timeout.
        auto q = std::move(w->queue);
        w->queue.clear();
        for (auto& [m, done] : q) {
          done(SendOutcome{SendOutcome::unavailable, {}, 0, {}, "the database is unreachable"});
        }
        if (!w->running) continue;
        w->backoff.expires_after(backoff);
        boost::system::error_code ec;
        co_await w->backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        backoff = std::min(backoff * 2, Millis{2000});
        continue;
      }
      backoff = Millis{50};
    }
    std::vector<std::pair<NewMessage, std::function<void(SendOutcome)>>> batch;
    while (!w->queue.empty() && batch.size() < wopts_.max_batch) {
      batch.push_back(std::move(w->queue.front()));
      w->queue.pop_front();
    }
    co_await insert_batch(w->conn, batch);
  }
}

asio::awaitable<void> ChatStore::insert_batch(
    PgConn& conn, std::vector<std::pair<NewMessage, std::function<void(SendOutcome)>>>& batch) {
  // Two sends in one batch with the same (thread, sender, client_msg_id): only the first goes to the database,
  // the others are answered with its result as duplicates.
  std::unordered_map<std::string, size_t> first_of;
  std::vector<std::optional<size_t>> dup_of(batch.size());
  std::string json;
  protocol::JsonWriter w(json);
  w.begin_array();
  for (size_t i = 0; i < batch.size(); ++i) {
    const auto& m = batch[i].first;
    if (!m.client_msg_id.empty()) {
      auto key = m.thread_id + '|' + m.sender_id + '|' + m.client_msg_id;
      auto [it, inserted] = first_of.emplace(key, i);
      if (!inserted) {
        dup_of[i] = it->second;
        continue;
      }
    }
    w.begin_object()
        .field("ord", static_cast<int64_t>(i))
        .field("id", m.id)
        .field("thread_id", m.thread_id)
        .field("sender_id", m.sender_id)
        .field("role", m.role)
        .field("content", m.content)
        .field("message_type", m.message_type)
        .field_raw("metadata", m.metadata);
    if (m.client_msg_id.empty()) {
      w.field_null("client_msg_id");
    } else {
      w.field("client_msg_id", m.client_msg_id);
    }
    w.end_object();
  }
  w.end_array();

  std::vector<SendOutcome> out(batch.size());
  auto res = co_await conn.query(kInsertBatch, params(json), pool_.options().query_timeout);
  if (!res.ok()) {
    if (res.error.unavailable()) {
      for (auto& o : out) {
        o = SendOutcome{SendOutcome::unavailable, {}, 0, {}, "the database is unreachable; the message may not be stored"};
      }
    } else if (batch.size() > 1) {
      // One bad row fails the whole statement: retry each send alone so the others still land.
      for (auto& item : batch) {
        std::vector<std::pair<NewMessage, std::function<void(SendOutcome)>>> one;
        one.push_back(std::move(item));
        co_await insert_batch(conn, one);
      }
      co_return;
    } else {
      auto status = res.error.sqlstate.rfind("22", 0) == 0 || res.error.sqlstate.rfind("23", 0) == 0
                        ? SendOutcome::invalid
                        : SendOutcome::internal;
      out[0] = SendOutcome{status, {}, 0, {}, res.error.message};
    }
  } else {
    const auto& r = *res.value;
    for (int row = 0; row < r.rows(); ++row) {
      auto i = static_cast<size_t>(r.get_int(row, 0));
      if (i >= out.size()) continue;
      auto& o = out[i];
      if (!r.get_bool(row, 1)) {
        o = SendOutcome{SendOutcome::not_found, {}, 0, {}, "thread not found"};
      } else if (!r.get_bool(row, 2)) {
        o = SendOutcome{SendOutcome::forbidden, {}, 0, {}, "you may not write to this thread"};
      } else if (r.is_null(row, 3)) {
        // A concurrent writer inserted the same client_msg_id after this statement's snapshot: look it up.
        const auto& m = batch[i].first;
        auto again = co_await conn.query(kFindByClientMsgId, params(m.thread_id, m.sender_id, m.client_msg_id),
                                         pool_.options().query_timeout);
        if (again.ok() && again.value->rows() == 1) {
          const auto& a = *again.value;
          o = SendOutcome{SendOutcome::duplicate, std::string(a.get(0, 0)), a.get_int(0, 1), std::string(a.get(0, 2)), {}};
        } else {
          o = SendOutcome{SendOutcome::unavailable, {}, 0, {}, "could not confirm the message; retry the send"};
        }
      } else {
        o = SendOutcome{r.get_bool(row, 6) ? SendOutcome::duplicate : SendOutcome::ok, std::string(r.get(row, 3)),
                        r.get_int(row, 4), std::string(r.get(row, 5)), {}};
      }
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (dup_of[i]) {
      out[i] = out[*dup_of[i]];
      if (out[i].status == SendOutcome::ok) {
        out[i].status = SendOutcome::duplicate;
      }
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].second(std::move(out[i]));
  }
}

asio::awaitable<PgOutcome<std::optional<Profile>>> ChatStore::profile(std::string user_id) {
  auto r = co_await pool_.query("SELECT id, role FROM profiles WHERE id = $1", params(user_id));
  if (!r.ok()) co_return fail<std::optional<Profile>>(r.error);
  if (r.value->rows() == 0) co_return ok<std::optional<Profile>>(std::nullopt);
  co_return ok<std::optional<Profile>>(Profile{std::string(r.value->get(0, 0)), std::string(r.value->get(0, 1))});
}

asio::awaitable<PgOutcome<ThreadAccess>> ChatStore::thread_access(std::string user_id, std::string thread_id) {
  auto r = co_await pool_.query(
      "SELECT t.last_seq, tp_can_access($1, t.id) FROM conversation_threads t WHERE t.id = $2", params(user_id, thread_id));
  if (!r.ok()) co_return fail<ThreadAccess>(r.error);
  ThreadAccess a;
  if (r.value->rows() == 1) {
    a.exists = true;
    a.last_seq = r.value->get_int(0, 0);
    a.allowed = r.value->get_bool(0, 1);
  }
  co_return ok(a);
}

asio::awaitable<PgOutcome<std::pair<std::vector<StoredMessage>, int64_t>>> ChatStore::messages_after(
    std::string thread_id, int64_t after, int limit) {
  using R = std::pair<std::vector<StoredMessage>, int64_t>;
  // One statement, so the page and last_seq come from one snapshot.
  auto r = co_await pool_.query(
      "SELECT t.last_seq, m.seq, tp_message_json(m), CASE WHEN tp_link_holds(t.user_id, t.ticket_id) THEN t.ticket_id END "
      "FROM conversation_threads t "
      "LEFT JOIN LATERAL (SELECT * FROM chat_messages c WHERE c.thread_id = t.id AND c.seq > $2 "
      "ORDER BY c.seq LIMIT $3) m ON true WHERE t.id = $1 ORDER BY m.seq",
      params(thread_id, std::to_string(after), std::to_string(limit)));
  if (!r.ok()) co_return fail<R>(r.error);
  R out{{}, after};
  const auto& res = *r.value;
  for (int i = 0; i < res.rows(); ++i) {
    out.second = res.get_int(i, 0);
    if (!res.is_null(i, 1)) {
      out.first.push_back(StoredMessage{res.get_int(i, 1), std::string(res.get(i, 2)), std::string(res.get(i, 3))});
    }
  }
  co_return ok(std::move(out));
}

asio::awaitable<PgOutcome<std::pair<std::vector<StoredMessage>, bool>>> ChatStore::history(
    std::string thread_id, std::optional<int64_t> before, int limit, size_t max_bytes) {
  using R = std::pair<std::vector<StoredMessage>, bool>;
  auto r = co_await pool_.query(
      "SELECT m.seq, tp_message_json(m) FROM chat_messages m WHERE m.thread_id = $1 AND m.seq < $2 "
      "ORDER BY m.seq DESC LIMIT $3",
      params(thread_id, std::to_string(before.value_or(INT64_MAX)), std::to_string(limit + 1)));
  if (!r.ok()) co_return fail<R>(r.error);
  const auto& res = *r.value;
  R out;
  int n = std::min(res.rows(), limit);
  out.second = res.rows() > limit;
  // Newest first until the page would pass max_bytes (always at least one message): a page of large messages is
  // cut short with has_more, so no reply is bigger than the budget plus one message.
  size_t bytes = 0;
  for (int i = 0; i < n; ++i) {
    bytes += res.get(i, 1).size() + 1;
    if (i > 0 && bytes > max_bytes) {
      n = i;
      out.second = true;
      break;
    }
  }
  for (int i = n - 1; i >= 0; --i) {
    out.first.push_back(StoredMessage{res.get_int(i, 0), std::string(res.get(i, 1))});
  }
  co_return ok(std::move(out));
}

asio::awaitable<PgOutcome<std::optional<std::string>>> ChatStore::event_json(std::string table, std::string id) {
  using R = std::optional<std::string>;
  std::string_view sql;
  if (table == "support_tickets") {
    sql = "SELECT tp_support_ticket_json(t) FROM support_tickets t WHERE t.id = $1";
  } else if (table == "tickets") {
    sql = "SELECT tp_ticket_json(t) FROM tickets t WHERE t.id = $1";
  } else if (table == "work_orders") {
    sql = "SELECT tp_work_order_json(w) FROM work_orders w WHERE w.id = $1";
  } else if (table == "conversation_threads") {
    sql = "SELECT tp_thread_json(t) FROM conversation_threads t WHERE t.id = $1";
  } else {
    co_return ok(R{});
  }
  auto r = co_await pool_.query(sql, params(id));
  if (!r.ok()) co_return fail<R>(r.error);
  if (r.value->rows() == 0) co_return ok(R{});
  co_return ok(R{std::string(r.value->get(0, 0))});
}

asio::awaitable<PgOutcome<std::string>> ChatStore::message_json(std::string message_id) {
  auto r = co_await pool_.query("SELECT tp_message_json(m) FROM chat_messages m WHERE m.id = $1", params(message_id));
  if (!r.ok()) co_return fail<std::string>(r.error);
  if (r.value->rows() == 0) co_return fail<std::string>(PgError{PgError::query, "02000", "message not found"});
  co_return ok(std::string(r.value->get(0, 0)));
}

namespace {
std::string pg_array(const std::vector<std::string>& ids) {
  std::string out = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    out += ids[i];  // UUIDs: no quoting needed
  }
  return out + "}";
}
}  // namespace

asio::awaitable<PgOutcome<TicketAccess>> ChatStore::ticket_access(std::string user_id, std::string ticket_id) {
  auto r = co_await pool_.query(
      "SELECT EXISTS (SELECT 1 FROM support_tickets WHERE id = $2) OR EXISTS (SELECT 1 FROM tickets WHERE id = $2), "
      "tp_can_access_ticket($1, $2), t.id, t.last_seq "
      "FROM (SELECT 1) one LEFT JOIN conversation_threads t ON t.ticket_id = $2 AND tp_link_holds(t.user_id, t.ticket_id)",
      params(user_id, ticket_id));
  if (!r.ok()) co_return fail<TicketAccess>(r.error);
  TicketAccess a;
  const auto& res = *r.value;
  for (int i = 0; i < res.rows(); ++i) {
    a.exists = res.get_bool(i, 0);
    a.allowed = res.get_bool(i, 1);
    if (!res.is_null(i, 2)) a.threads.emplace_back(std::string(res.get(i, 2)), res.get_int(i, 3));
  }
  co_return ok(std::move(a));
}

asio::awaitable<PgOutcome<AccessRecheck>> ChatStore::recheck_access(std::string user_id, std::vector<std::string> threads,
                                                                    std::vector<std::string> tickets) {
  auto r = co_await pool_.query(
      "SELECT 'role', role FROM profiles WHERE id = $1 "
      "UNION ALL SELECT 'thread', t::text FROM unnest($2::uuid[]) t WHERE NOT tp_can_access($1, t) "
      "UNION ALL SELECT 'ticket', k::text FROM unnest($3::uuid[]) k WHERE NOT tp_can_access_ticket($1, k)",
      params(user_id, pg_array(threads), pg_array(tickets)));
  if (!r.ok()) co_return fail<AccessRecheck>(r.error);
  AccessRecheck out;
  const auto& res = *r.value;
  for (int i = 0; i < res.rows(); ++i) {
    auto kind = res.get(i, 0);
    if (kind == "role") out.role = std::string(res.get(i, 1));
    else if (kind == "thread") out.denied_threads.emplace_back(res.get(i, 1));
    else out.denied_tickets.emplace_back(res.get(i, 1));
  }
  co_return ok(std::move(out));
}

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
      "               (NOT $6::boolean OR $7::uuid IS NULL OR tp_may_link($1::uuid, cur.user_id, $7::uuid)) AS may_link "
      "          FROM cur), "
      "upd AS (UPDATE conversation_threads t SET title = CASE WHEN $3::boolean THEN $4 ELSE t.title END, "
      "               assistant_enabled = coalesce($5::boolean, t.assistant_enabled), "
      "               ticket_id = CASE WHEN $6::boolean THEN $7::uuid ELSE t.ticket_id END, updated_at = now() "
      "          FROM chk WHERE t.id = chk.id AND chk.allowed AND chk.ticket_found AND chk.may_link "
      "        RETURNING t.id) "
      "SELECT chk.id IS NOT NULL, coalesce(chk.allowed, false), coalesce(chk.ticket_found, false), "
      "       coalesce(chk.may_link, false), (SELECT count(*) FROM upd) "
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

asio::awaitable<PgOutcome<bool>> ChatStore::notify_typing(std::string thread_id, std::string user_id,
                                                          std::string session_id) {
  auto r = co_await pool_.query("SELECT pg_notify('tp_typing', $1)", params(thread_id + '|' + user_id + '|' + session_id));
  if (!r.ok()) co_return fail<bool>(r.error);
  co_return ok(true);
}

asio::awaitable<PgOutcome<bool>> ChatStore::ready() {
  // Ready when every migration this binary carries is applied (a newer node may have applied more).
  std::string versions = "{";
  const auto& all = embedded_migrations();
  for (size_t i = 0; i < all.size(); ++i) {
    if (i) versions += ',';
    versions += all[i].version;
  }
  versions += '}';
  auto r = co_await pool_.query("SELECT count(*) FROM schema_migrations WHERE version = ANY($1::text[])", params(versions));
  if (!r.ok()) {
    if (r.error.sqlstate == "42P01") co_return ok(false);  // no schema_migrations yet
    co_return fail<bool>(r.error);
  }
  co_return ok(r.value->get_int(0, 0) == static_cast<int64_t>(all.size()));
}

}  // namespace techpulse::storage
