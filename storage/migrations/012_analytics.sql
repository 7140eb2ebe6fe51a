-- Analytics on small tables (issue 17 item 5; docs/desk.md "Analytics", docs/benchmarks.md "Analytics"): the
-- summary read every message of its range (about 2 s on a million). Two tables kept by triggers on chat_messages
-- now hold what it needs, and tp_analytics_summary reads them; its figures are the same as 010's definitions.
--   analytics_message_hours  messages per UTC hour, thread and role, with the sum and count of the assistant's
--                            numeric metadata.confidence. Keyed by thread so that only writers of that thread touch a
--                            row, and they already hold the thread's row lock (the seq trigger): no new contention
--                            between threads and no new lock-order deadlock. Hours, not days, so that a range that
--                            does not start or end on a day is exact: whole hours from here, the at most two partial
--                            hours at its ends from chat_messages.
--   analytics_thread_firsts  per thread, its first customer message and the first assistant message at or after it.
-- Apart from conversation_threads on purpose: its update triggers would turn each change into a thread event.
-- Every message counts, soft-deleted ones too (as in 010: a deleted message keeps its row and role; its metadata is
-- emptied, so its confidence leaves the mean). Updates of role, created_at or the confidence and deletes are applied
-- exactly; TRUNCATE empties both.

CREATE FUNCTION tp_utc_hour(p_at timestamptz) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN date_trunc('hour', p_at, 'UTC');

-- The confidence a message adds to the mean: the assistant's numeric metadata.confidence, else none.
CREATE FUNCTION tp_message_confidence(p_role text, p_metadata jsonb) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN p_role = 'assistant' AND jsonb_typeof(p_metadata -> 'confidence') = 'number'
                THEN (p_metadata ->> 'confidence')::numeric END;

CREATE TABLE analytics_message_hours (
    hour              timestamptz NOT NULL,  -- a UTC hour (tp_utc_hour)
    thread_id         uuid NOT NULL,         -- no foreign key: a thread's delete cascades to its messages, whose
                                             -- delete trigger takes their counts away
    role              text NOT NULL,
    messages          integer NOT NULL,
    confidence_sum    numeric NOT NULL,
    confidence_count  integer NOT NULL,
    PRIMARY KEY (hour, thread_id, role)
) WITH (fillfactor = 80);  -- the counters change in place (HOT updates)

CREATE TABLE analytics_thread_firsts (
    thread_id        uuid PRIMARY KEY,
    first_user_at    timestamptz NOT NULL,  -- the thread's first role=user message
    first_answer_at  timestamptz            -- its first role=assistant message at or after first_user_at
);
CREATE INDEX analytics_thread_firsts_user_idx ON analytics_thread_firsts (first_user_at) INCLUDE (first_answer_at);

-- One message in (p_sign 1) or out (-1) of its hour's row.
CREATE FUNCTION tp_analytics_count(p_thread uuid, p_at timestamptz, p_role text, p_metadata jsonb, p_sign integer)
    RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    c numeric := tp_message_confidence(p_role, p_metadata);
BEGIN
    INSERT INTO analytics_message_hours AS h (hour, thread_id, role, messages, confidence_sum, confidence_count)
    VALUES (tp_utc_hour(p_at), p_thread, p_role, p_sign, coalesce(p_sign * c, 0), CASE WHEN c IS NULL THEN 0 ELSE p_sign END)
    ON CONFLICT (hour, thread_id, role) DO UPDATE
       SET messages = h.messages + excluded.messages, confidence_sum = h.confidence_sum + excluded.confidence_sum,
           confidence_count = h.confidence_count + excluded.confidence_count;
    IF p_sign < 0 THEN
        DELETE FROM analytics_message_hours h
         WHERE h.hour = tp_utc_hour(p_at) AND h.thread_id = p_thread AND h.role = p_role AND h.messages <= 0;
    END IF;
END $$;

-- A thread's firsts computed from its messages (two probes of chat_messages_thread_role_idx).
CREATE FUNCTION tp_analytics_firsts(p_thread uuid) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    asked timestamptz := (SELECT min(m.created_at) FROM chat_messages m WHERE m.thread_id = p_thread AND m.role = 'user');
BEGIN
    IF asked IS NULL OR NOT EXISTS (SELECT 1 FROM conversation_threads t WHERE t.id = p_thread) THEN
        DELETE FROM analytics_thread_firsts f WHERE f.thread_id = p_thread;
        RETURN;
    END IF;
    INSERT INTO analytics_thread_firsts AS f (thread_id, first_user_at, first_answer_at)
    VALUES (p_thread, asked, (SELECT min(m.created_at) FROM chat_messages m
                               WHERE m.thread_id = p_thread AND m.role = 'assistant' AND m.created_at >= asked))
    ON CONFLICT (thread_id) DO UPDATE SET first_user_at = excluded.first_user_at, first_answer_at = excluded.first_answer_at;
END $$;

-- After the row is in (not BEFORE: an INSERT ... ON CONFLICT DO NOTHING may still drop it). The common case costs
-- one upsert, plus for a user message one primary-key read and for an assistant message one indexed UPDATE that
-- changes nothing once the thread has its first answer.
CREATE FUNCTION tp_chat_messages_analytics_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    asked timestamptz;
BEGIN
    PERFORM tp_analytics_count(NEW.thread_id, NEW.created_at, NEW.role, NEW.metadata, 1);
    IF NEW.role = 'user' THEN
        SELECT f.first_user_at INTO asked FROM analytics_thread_firsts f WHERE f.thread_id = NEW.thread_id;
        IF asked IS NULL OR NEW.created_at < asked THEN
            PERFORM tp_analytics_firsts(NEW.thread_id);
        END IF;
    ELSIF NEW.role = 'assistant' THEN
        UPDATE analytics_thread_firsts f SET first_answer_at = NEW.created_at
         WHERE f.thread_id = NEW.thread_id AND f.first_user_at <= NEW.created_at
           AND (f.first_answer_at IS NULL OR f.first_answer_at > NEW.created_at);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER chat_messages_analytics_insert AFTER INSERT ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION tp_chat_messages_analytics_insert();

-- No column list: a soft delete empties metadata in a BEFORE trigger, which UPDATE OF would not see.
CREATE FUNCTION tp_chat_messages_analytics_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tp_analytics_count(OLD.thread_id, OLD.created_at, OLD.role, OLD.metadata, -1);
    IF TG_OP = 'UPDATE' THEN
        PERFORM tp_analytics_count(NEW.thread_id, NEW.created_at, NEW.role, NEW.metadata, 1);
    END IF;
    IF OLD.role IN ('user', 'assistant') OR (TG_OP = 'UPDATE' AND NEW.role IN ('user', 'assistant')) THEN
        PERFORM tp_analytics_firsts(OLD.thread_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER chat_messages_analytics_update AFTER UPDATE ON chat_messages
    FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.created_at IS DISTINCT FROM NEW.created_at
                       OR tp_message_confidence(OLD.role, OLD.metadata) IS DISTINCT FROM
                          tp_message_confidence(NEW.role, NEW.metadata))
    EXECUTE FUNCTION tp_chat_messages_analytics_change();
CREATE TRIGGER chat_messages_analytics_delete AFTER DELETE ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION tp_chat_messages_analytics_change();

-- Both tables from chat_messages, under a lock that keeps writers out meanwhile: the migration's backfill, and for
-- an operator who loaded messages with triggers off.
CREATE FUNCTION tp_analytics_rebuild() RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE chat_messages IN SHARE MODE;
    TRUNCATE analytics_message_hours, analytics_thread_firsts;
    INSERT INTO analytics_message_hours (hour, thread_id, role, messages, confidence_sum, confidence_count)
    SELECT tp_utc_hour(m.created_at), m.thread_id, m.role, count(*),
           coalesce(sum(tp_message_confidence(m.role, m.metadata)), 0), count(tp_message_confidence(m.role, m.metadata))
      FROM chat_messages m GROUP BY 1, 2, 3;
    INSERT INTO analytics_thread_firsts (thread_id, first_user_at, first_answer_at)
    SELECT u.thread_id, u.asked, (SELECT min(a.created_at) FROM chat_messages a
                                   WHERE a.thread_id = u.thread_id AND a.role = 'assistant' AND a.created_at >= u.asked)
      FROM (SELECT m.thread_id, min(m.created_at) AS asked FROM chat_messages m WHERE m.role = 'user' GROUP BY 1) u;
END $$;

CREATE FUNCTION tp_chat_messages_analytics_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE analytics_message_hours, analytics_thread_firsts;
    RETURN NULL;
END $$;

CREATE TRIGGER chat_messages_analytics_truncate AFTER TRUNCATE ON chat_messages
    FOR EACH STATEMENT EXECUTE FUNCTION tp_chat_messages_analytics_truncate();

SELECT tp_analytics_rebuild();

-- The summary of [p_from, p_to), as in 010 (its comment there defines every figure), from the tables above:
-- first_response.assistant from analytics_thread_firsts; messages_per_day and assistant_confidence from the whole
-- UTC hours of analytics_message_hours plus the messages of the partial hours at the range's ends. The figures
-- bounded by tickets (handed off, claimed, resolved in the range; the open ones) read support_tickets as before:
-- they cost milliseconds (benchmarks.md). JIT off: the planner cannot know the partial hours are small (their bounds
-- are computed), its estimate passes jit_above_cost, and compiling took longer (about 75 ms) than the query runs.
CREATE OR REPLACE FUNCTION tp_analytics_summary(p_actor uuid, p_from timestamptz, p_to timestamptz) RETURNS text
    LANGUAGE sql STABLE SET jit = off AS $$
    WITH firsts AS (
        SELECT f.thread_id, f.first_user_at AS asked, f.first_answer_at AS answered
          FROM analytics_thread_firsts f JOIN conversation_threads t ON t.id = f.thread_id
          JOIN profiles p ON p.id = t.user_id AND p.role = 'customer'
         WHERE f.first_user_at >= p_from AND f.first_user_at < p_to),
    -- Whole hours [lo, hi): lo is p_from rounded up to the hour, hi is p_to rounded down.
    bounds AS (
        SELECT tp_utc_hour(p_from) + CASE WHEN tp_utc_hour(p_from) < p_from THEN interval '1 hour' ELSE interval '0' END AS lo,
               tp_utc_hour(p_to) AS hi),
    -- Per UTC hour and role (grouped by the hour first: a few thousand rows, cheap to turn into days after).
    counted AS (
        SELECT x.hour, x.role, sum(x.n) AS n, sum(x.csum) AS csum, sum(x.cn) AS cn
          FROM (SELECT h.hour, h.role, h.messages AS n, h.confidence_sum AS csum, h.confidence_count AS cn
                  FROM analytics_message_hours h, bounds b WHERE h.hour >= b.lo AND h.hour < b.hi
                UNION ALL
                SELECT tp_utc_hour(m.created_at), m.role, 1, coalesce(tp_message_confidence(m.role, m.metadata), 0),
                       (tp_message_confidence(m.role, m.metadata) IS NOT NULL)::integer
                  FROM chat_messages m, bounds b WHERE m.created_at >= p_from AND m.created_at < least(b.lo, p_to)
                UNION ALL
                SELECT tp_utc_hour(m.created_at), m.role, 1, coalesce(tp_message_confidence(m.role, m.metadata), 0),
                       (tp_message_confidence(m.role, m.metadata) IS NOT NULL)::integer
                  FROM chat_messages m, bounds b
                 WHERE m.created_at >= greatest(b.lo, b.hi, p_from) AND m.created_at < p_to) x
         GROUP BY 1, 2),
    handed AS (
        SELECT s.* FROM support_tickets s WHERE s.handed_off_at >= p_from AND s.handed_off_at < p_to),
    human_first AS MATERIALIZED (  -- evaluated once per ticket (inlined, the filter below would run it again)
        SELECT extract(epoch FROM (SELECT min(m.created_at) FROM chat_messages m
                                     JOIN conversation_threads t ON t.id = m.thread_id
                                    WHERE t.ticket_id = h.id AND m.role = 'technician'
                                      AND m.created_at >= h.handed_off_at) - h.handed_off_at)::double precision AS s
          FROM handed h)
    SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM profiles p WHERE p.id = p_actor AND p.role = 'admin') THEN NULL ELSE
    jsonb_build_object(
        'from', tp_ts(p_from), 'to', tp_ts(p_to),
        'first_response', jsonb_build_object(
            'assistant', tp_percentiles(ARRAY(SELECT extract(epoch FROM f.answered - f.asked)::double precision
                                                FROM firsts f WHERE f.answered IS NOT NULL)),
            'human', tp_percentiles(ARRAY(SELECT s FROM human_first WHERE s IS NOT NULL))),
        'handoffs', jsonb_build_object(
            'count', (SELECT count(*) FROM handed),
            'conversations', (SELECT count(*) FROM firsts),
            'rate', CASE WHEN (SELECT count(*) FROM firsts) = 0 THEN NULL
                         ELSE round((SELECT count(*) FROM handed)::numeric / (SELECT count(*) FROM firsts), 4) END,
            'reasons', coalesce((SELECT jsonb_object_agg(r, n) FROM (SELECT coalesce(handoff_reason, 'unknown') AS r,
                                                                            count(*) AS n FROM handed GROUP BY 1) x),
                                '{}'::jsonb)),
        'handoff_to_claim', tp_percentiles(ARRAY(
            SELECT extract(epoch FROM h.claimed_at - h.handed_off_at)::double precision FROM handed h
             WHERE h.claimed_at IS NOT NULL)),
        'messages_per_day', coalesce((
            SELECT jsonb_agg(jsonb_build_object('day', d, 'role', r, 'count', n) ORDER BY d, r)
              FROM (SELECT to_char(y.day, 'YYYY-MM-DD') AS d, y.r, y.n  -- to_char per day, not per row
                      FROM (SELECT (c.hour AT TIME ZONE 'UTC')::date AS day, c.role AS r, sum(c.n) AS n
                              FROM counted c GROUP BY 1, 2 HAVING sum(c.n) > 0) y) x), '[]'::jsonb),
        'assistant_confidence', (
            SELECT jsonb_build_object('mean', round(sum(c.csum) / nullif(sum(c.cn), 0), 4), 'count', coalesce(sum(c.cn), 0))
              FROM counted c WHERE c.role = 'assistant'),
        'open_tickets', jsonb_build_object(
            'by_status', coalesce((SELECT jsonb_object_agg(st, n) FROM (SELECT status AS st, count(*) AS n
                                     FROM support_tickets WHERE status NOT IN ('resolved', 'closed') GROUP BY 1) x),
                                  '{}'::jsonb),
            'by_priority', coalesce((SELECT jsonb_object_agg(pr, n) FROM (SELECT priority AS pr, count(*) AS n
                                     FROM support_tickets WHERE status NOT IN ('resolved', 'closed') GROUP BY 1) x),
                                    '{}'::jsonb)),
        'time_to_resolve', tp_percentiles(ARRAY(
            SELECT extract(epoch FROM s.resolved_at - s.created_at)::double precision FROM support_tickets s
             WHERE s.resolved_at >= p_from AND s.resolved_at < p_to))
    )::text END
$$;
