#include "storage/chat_store.hpp"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <unordered_map>

#include "metrics/metrics.hpp"
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
    metrics::observe(metrics::Hist::db_batch_size, static_cast<double>(batch.size()));
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
