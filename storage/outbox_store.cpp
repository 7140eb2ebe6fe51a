#include "storage/outbox_store.hpp"

#include <fmt/format.h>

namespace techpulse::storage {

namespace {
std::string interval_ms(Millis m) { return fmt::format("{} milliseconds", m.count()); }
}  // namespace

asio::awaitable<PgOutcome<std::vector<DueNotification>>> claim_due_notifications(PgPool& pool, Millis after, int limit,
                                                                                Millis lease) {
  using R = std::vector<DueNotification>;
  static constexpr std::string_view sql = R"SQL(
WITH due AS (
    SELECT o.id FROM notification_outbox o
     WHERE o.status IN ('pending', 'sending') AND o.next_attempt_at <= now()
       AND (o.status = 'pending' OR o.lease_until < now())
       AND o.created_at <= now() - $1::interval
     ORDER BY o.next_attempt_at, o.id
     LIMIT $2
     FOR UPDATE SKIP LOCKED),
c AS (
    UPDATE notification_outbox o SET status = 'sending', lease_until = now() + $3::interval
      FROM due WHERE o.id = due.id
    RETURNING o.*)
SELECT c.id, c.recipient_id, c.attempts,
       (m.id IS NULL OR m.deleted_at IS NOT NULL OR coalesce(r.last_read, 0) >= c.message_seq) AS moot,
       c.created_at < now() - interval '24 hours' AS expired,
       jsonb_build_object(
           'id', c.id, 'type', 'message.unread', 'created_at', tp_ts(c.created_at),
           'recipient', jsonb_build_object('user_id', p.id, 'role', c.recipient_role,
                                           'name', coalesce(p.full_name, p.username), 'email', p.email,
                                           'phone', p.phone),
           'thread_id', c.thread_id, 'ticket_id', c.ticket_id,
           'unread', tp_unread(c.recipient_id, c.thread_id),
           'message', jsonb_build_object('id', m.id, 'cursor', m.seq::text, 'role', m.role, 'sender_id', m.sender_id,
                                         'preview', CASE WHEN char_length(m.content) > 140
                                                         THEN left(m.content, 139) || '…' ELSE m.content END,
                                         'created_at', tp_ts(m.created_at)))::text
  FROM c
  JOIN profiles p ON p.id = c.recipient_id
  LEFT JOIN chat_messages m ON m.id = c.message_id
  LEFT JOIN chat_read_state r ON r.thread_id = c.thread_id AND r.user_id = c.recipient_id
 ORDER BY c.next_attempt_at, c.id)SQL";
  auto r = co_await pool.query(sql, params(interval_ms(after), std::to_string(limit), interval_ms(lease)));
  if (!r.ok()) co_return fail<R>(r.error);
  R out;
  const auto& res = *r.value;
  for (int i = 0; i < res.rows(); ++i) {
    DueNotification n;
    n.id.assign(res.get(i, 0));
    n.recipient_id.assign(res.get(i, 1));
    n.attempts = static_cast<int>(res.get_int(i, 2));
    n.moot = res.get_bool(i, 3);
    n.expired = res.get_bool(i, 4);
    n.body.assign(res.get(i, 5));
    out.push_back(std::move(n));
  }
  co_return ok(std::move(out));
}

asio::awaitable<PgOutcome<bool>> settle_notification(PgPool& pool, std::string id, NotificationFate fate, Millis delay,
                                                     std::string error) {
  std::string_view set;
  switch (fate) {
    case NotificationFate::sent: set = "status = 'sent', sent_at = now(), attempts = o.attempts + 1, last_error = NULL"; break;
    case NotificationFate::cancelled: set = "status = 'cancelled'"; break;
    case NotificationFate::failed: set = "status = 'failed', last_error = coalesce(a.err, o.last_error)"; break;
    case NotificationFate::deferred:
      set = "status = 'pending', deferrals = o.deferrals + 1, next_attempt_at = now() + a.delay";
      break;
    case NotificationFate::retry:
      set = "status = 'pending', attempts = o.attempts + 1, last_error = a.err, next_attempt_at = now() + a.delay";
      break;
  }
  std::optional<std::string> err;
  if (!error.empty()) err = error;
  auto sql = fmt::format(
      "WITH a AS (SELECT $2::interval AS delay, $3::text AS err) "
      "UPDATE notification_outbox o SET {}, lease_until = NULL FROM a WHERE o.id = $1 AND o.status = 'sending' "
      "RETURNING o.id",
      set);
  auto r = co_await pool.query(sql, params(id, interval_ms(delay), err));
  if (!r.ok()) co_return fail<bool>(r.error);
  co_return ok(r.value->rows() == 1);
}

}  // namespace techpulse::storage
