-- The offline-notification outbox (010) and the analytics rollups (012) are kept once per INSERT statement from
-- here on, over the statement's inserted rows (a transition table), instead of once per row. The gateway's writer
-- inserts up to 256 messages in one statement (storage/chat_store.cpp); each row trigger started a plpgsql call and
-- one or two small statements of its own, and those start-ups were most of what the two triggers cost
-- (docs/benchmarks.md, issue 18 step 19). What they write is the same as before, row for row:
--
-- Outbox. Before, each row (in insertion order, which is seq order within a thread) wrote a notification for each
-- participant other than its sender unless one was already pending for that participant past their read cursor,
-- the rows written for earlier messages of the same statement included. Per (thread, participant) that is: nothing
-- if a pending one existed before the statement; else the eligible messages at or below the participant's read
-- cursor (none when the cursor is, as the gateway keeps it, at most the thread's last seq) and the first eligible
-- message past it. Imported history (created_at more than 10 minutes ago) writes none, as before.
--
-- Analytics. The hour counts are a sum, so a statement adds its rows per (hour, thread, role) in one upsert. A
-- thread's firsts: a user message earlier than the recorded first (or the thread's first) recomputes them from
-- chat_messages, which an AFTER trigger sees with the whole statement in it, so recomputing once per thread at the
-- end gives what the last per-row recompute gave; an assistant message moves first_answer_at earlier when it is at
-- or after first_user_at, which is a minimum and does not depend on order. Both tables are keyed by thread, and
-- every writer of a thread holds its row lock (the seq trigger) before it reaches them: the lock order of 012/013
-- is unchanged. Updates and deletes of messages keep their row triggers (012/013): they are rare and exact.
--
-- Statement triggers fire after every row trigger of the statement, and neither of these sends a NOTIFY: the order
-- of the tp_chat and tp_row notifications does not change.
--
-- Row feed of conversation_threads (008). Every message bumps its thread's last_seq, and the row-change trigger
-- asked on each bump whether anything else changed by building both rows as jsonb (every column through its
-- output function, three timestamps among them) and comparing them. It now asks the same question cheaply: is the
-- new row, with the old last_seq put back, byte for byte the old one (`*<>`, record_image_ne)? It still covers
-- every column, also one added later, and works for every column type (`IS DISTINCT FROM` on whole rows would
-- need an equality operator for each; json has none). A no-op UPDATE is still no change. A value rewritten in
-- another binary form that compares equal (a numeric with another scale in an unconstrained column) is now a
-- change, as Supabase Realtime reports every UPDATE.

DROP TRIGGER chat_messages_outbox ON chat_messages;
DROP FUNCTION tp_chat_messages_outbox();

CREATE FUNCTION tp_chat_messages_outbox() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notification_outbox (recipient_id, recipient_role, thread_id, ticket_id, message_id, message_seq)
    SELECT e.recipient_id, e.recipient_role, e.thread_id, e.ticket_id, e.message_id, e.message_seq
      FROM (SELECT r.id AS recipient_id, r.role AS recipient_role, m.thread_id, t.ticket AS ticket_id,
                   m.id AS message_id, m.seq AS message_seq, r.last_read,
                   min(m.seq) FILTER (WHERE m.seq > r.last_read)
                       OVER (PARTITION BY m.thread_id, r.id) AS first_unread
              FROM (SELECT d.thread_id, tp_thread_ticket(d.thread_id) AS ticket
                      FROM (SELECT DISTINCT n.thread_id FROM new_messages n
                             WHERE n.created_at >= now() - interval '10 minutes') d) t
              CROSS JOIN LATERAL (
                    SELECT p.id, p.role FROM conversation_threads c
                      JOIN profiles p ON p.id = c.user_id AND p.role = 'customer'
                     WHERE c.id = t.thread_id
                    UNION
                    SELECT p.id, 'technician' FROM support_tickets s JOIN profiles p ON p.id = s.assigned_technician
                     WHERE s.id = t.ticket
                    UNION
                    SELECT p.id, 'technician' FROM tickets k JOIN profiles p ON p.id = k.assigned_technician_id
                     WHERE k.id = t.ticket) p0
              CROSS JOIN LATERAL (
                    SELECT p0.id, p0.role,
                           coalesce((SELECT rs.last_read FROM chat_read_state rs
                                      WHERE rs.thread_id = t.thread_id AND rs.user_id = p0.id), 0) AS last_read) r
              JOIN new_messages m ON m.thread_id = t.thread_id AND m.created_at >= now() - interval '10 minutes'
                                 AND r.id IS DISTINCT FROM m.sender_id
             WHERE NOT EXISTS (SELECT 1 FROM notification_outbox o
                                WHERE o.thread_id = t.thread_id AND o.recipient_id = r.id AND o.status <> 'cancelled'
                                  AND o.message_seq > r.last_read)) e
     WHERE e.message_seq <= e.last_read OR e.message_seq = e.first_unread
     ORDER BY e.thread_id, e.message_seq
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER chat_messages_outbox AFTER INSERT ON chat_messages
    REFERENCING NEW TABLE AS new_messages
    FOR EACH STATEMENT EXECUTE FUNCTION tp_chat_messages_outbox();

DROP TRIGGER chat_messages_analytics_insert ON chat_messages;
DROP FUNCTION tp_chat_messages_analytics_insert();

CREATE FUNCTION tp_chat_messages_analytics_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    th uuid;
BEGIN
    INSERT INTO analytics_message_hours AS h (hour, thread_id, role, messages, confidence_sum, confidence_count)
    SELECT tp_utc_hour(n.created_at), n.thread_id, n.role, count(*),
           coalesce(sum(tp_message_confidence(n.role, n.metadata)), 0), count(tp_message_confidence(n.role, n.metadata))
      FROM new_messages n
     GROUP BY 1, 2, 3
     ORDER BY 2, 1, 3
    ON CONFLICT (hour, thread_id, role) DO UPDATE
       SET messages = h.messages + excluded.messages, confidence_sum = h.confidence_sum + excluded.confidence_sum,
           confidence_count = h.confidence_count + excluded.confidence_count;

    UPDATE analytics_thread_firsts f SET first_answer_at = a.answered
      FROM (SELECT n.thread_id, min(n.created_at) AS answered
              FROM new_messages n JOIN analytics_thread_firsts f0 ON f0.thread_id = n.thread_id
             WHERE n.role = 'assistant' AND n.created_at >= f0.first_user_at
             GROUP BY 1) a
     WHERE f.thread_id = a.thread_id AND (f.first_answer_at IS NULL OR f.first_answer_at > a.answered);

    FOR th IN SELECT DISTINCT n.thread_id FROM new_messages n
                LEFT JOIN analytics_thread_firsts f ON f.thread_id = n.thread_id
               WHERE n.role = 'user' AND (f.thread_id IS NULL OR n.created_at < f.first_user_at)
               ORDER BY 1 LOOP
        PERFORM tp_analytics_firsts(th);
    END LOOP;
    RETURN NULL;
END $$;

CREATE TRIGGER chat_messages_analytics_insert AFTER INSERT ON chat_messages
    REFERENCING NEW TABLE AS new_messages
    FOR EACH STATEMENT EXECUTE FUNCTION tp_chat_messages_analytics_insert();

DROP TRIGGER conversation_threads_row_update_notify ON conversation_threads;
CREATE TRIGGER conversation_threads_row_update_notify AFTER UPDATE ON conversation_threads
    FOR EACH ROW WHEN (jsonb_populate_record(NEW, jsonb_build_object('last_seq', OLD.last_seq)) *<> OLD)
    EXECUTE FUNCTION tp_row_notify();
