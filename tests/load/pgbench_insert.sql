-- pgbench script for compare.sh: the row the gateway's writers insert for a send (one of the 500 persisted
-- threads, ~100 bytes of content), one row per transaction. The same triggers fire: the per-thread cursor
-- (UPDATE conversation_threads) and the pg_notify on tp_chat.
\set t random(1, 500)
INSERT INTO chat_messages (id, thread_id, sender_id, role, content, message_type, metadata)
VALUES (gen_random_uuid(), ('c1000000-0000-4000-8000-' || lpad(:t::text, 12, '0'))::uuid,
        'b0000000-0000-4000-8000-000000000001', 'technician',
        'pgbench xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        'text', '{}');
