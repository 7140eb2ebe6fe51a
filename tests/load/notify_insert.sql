-- pgbench script for notify_ceiling.sh: :rows messages in one transaction (1: a commit per message; more: the batches
-- the gateway's writers commit under load), each into one of the 500 persisted threads at random. Both triggers
-- fire for every row: the per-thread cursor and the pg_notify on tp_chat that every gateway node's listener reads.
-- The rows go in thread order, so two transactions lock the threads' cursor rows in the same order (no deadlock).
INSERT INTO chat_messages (id, thread_id, sender_id, role, content, message_type, metadata)
SELECT gen_random_uuid(), ('c1000000-0000-4000-8000-' || lpad(t::text, 12, '0'))::uuid,
       'b0000000-0000-4000-8000-000000000001', 'technician',
       'notify xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
       'text', '{}'
  FROM (SELECT 1 + floor(random() * 500)::int AS t FROM generate_series(1, :rows)) AS pick
 ORDER BY t;
