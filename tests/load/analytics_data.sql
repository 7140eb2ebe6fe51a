-- The analytics benchmark's data set (docs/benchmarks.md, "Analytics"), generated in SQL: 20,000 customer threads
-- over 30 days, 50 messages each (1,000,000 chat_messages: user and assistant alternating a minute apart, the
-- assistant's with a confidence; in every tenth thread the even messages after the 40th by a technician, after that
-- thread's ticket was handed off at 19.5 minutes), 2,000 support tickets (claimed; a third resolved). Triggers are off while loading (the per-message
-- triggers would make jobs, outbox rows and NOTIFYs), so seq is written here and the analytics' tables are rebuilt
-- at the end, as the migration's backfill does. Run by tests/load/analytics_bench.sh on an empty migrated database.
\set ON_ERROR_STOP on
SET session_replication_role = replica;
SELECT setseed(0.17);

INSERT INTO profiles (id, username, full_name, role)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'bench_c' || i, 'Customer ' || i, 'customer'
  FROM generate_series(1, 2000) i;
INSERT INTO profiles (id, username, full_name, role)
VALUES ('00000000-0000-4000-9000-000000000001', 'bench_tech', 'Bench Technician', 'technician'),
       ('00000000-0000-4000-9000-000000000002', 'bench_admin', 'Bench Admin', 'admin');

CREATE TEMP TABLE bench_threads AS
SELECT ('00000000-0000-4000-a000-' || lpad(to_hex(i), 12, '0'))::uuid AS id,
       ('00000000-0000-4000-8000-' || lpad(to_hex(1 + i % 2000), 12, '0'))::uuid AS user_id,
       timestamptz '2026-10-01 00:00:00Z' + random() * interval '30 days' AS started,
       CASE WHEN i % 10 = 0 THEN ('00000000-0000-4000-b000-' || lpad(to_hex(i), 12, '0'))::uuid END AS ticket_id,
       i
  FROM generate_series(1, 20000) i;

INSERT INTO support_tickets (id, ticket_number, customer_id, status, priority, handoff_reason, handed_off_at,
                             claimed_at, assigned_technician, created_at, resolved_at)
SELECT b.ticket_id, 'BENCH-' || b.i, b.user_id,
       CASE WHEN b.i % 30 = 0 THEN 'resolved' ELSE 'in_progress' END,
       CASE WHEN b.i % 20 = 0 THEN 'high' ELSE 'normal' END,
       CASE WHEN b.i % 20 = 0 THEN 'low_confidence' ELSE 'customer_request' END,
       b.started + interval '19 minutes 30 seconds', b.started + interval '19 minutes 30 seconds' + random() * interval '20 minutes',
       '00000000-0000-4000-9000-000000000001', b.started + interval '19 minutes 30 seconds',
       CASE WHEN b.i % 30 = 0 THEN b.started + interval '3 hours' + random() * interval '2 days' END
  FROM bench_threads b WHERE b.ticket_id IS NOT NULL;

INSERT INTO conversation_threads (id, user_id, ticket_id, title, created_at, updated_at, last_seq)
SELECT b.id, b.user_id, b.ticket_id, 'bench ' || b.i, b.started, b.started, 50 FROM bench_threads b;

-- Message k (1..50) of a thread: odd k the customer, even k the assistant (20..89 s after the question); in a
-- ticket's thread even k > 40 is the technician.
INSERT INTO chat_messages (thread_id, sender_id, role, content, metadata, created_at, updated_at, seq)
SELECT b.id,
       CASE WHEN k % 2 = 1 THEN b.user_id
            WHEN b.ticket_id IS NOT NULL AND k > 40 THEN '00000000-0000-4000-9000-000000000001'::uuid END,
       CASE WHEN k % 2 = 1 THEN 'user' WHEN b.ticket_id IS NOT NULL AND k > 40 THEN 'technician' ELSE 'assistant' END,
       'benchmark message ' || k,
       CASE WHEN k % 2 = 0 AND NOT (b.ticket_id IS NOT NULL AND k > 40)
            THEN jsonb_build_object('confidence', round((0.2 + random() * 0.8)::numeric, 4)) ELSE '{}'::jsonb END,
       b.started + (k - 1) / 2 * interval '1 minute' + CASE WHEN k % 2 = 0 THEN (20 + random() * 69) * interval '1 second'
                                                          ELSE interval '0' END,
       b.started, k
  FROM bench_threads b, generate_series(1, 50) k;

SET session_replication_role = origin;
-- What the migration's backfill does (a no-op before 012_analytics.sql exists).
DO $$ BEGIN
    IF to_regproc('tp_analytics_rebuild') IS NOT NULL THEN
        PERFORM tp_analytics_rebuild();
    END IF;
END $$;
VACUUM ANALYZE;
