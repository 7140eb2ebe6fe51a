-- The benchmark's own rows (tests/load/compare.sh loads this after `techpulse-gateway migrate`): one admin
-- profile that every load connection uses, the fan-out thread, and 500 threads for the persisted scenario.
-- The assistant is off in all of them, so a send costs the INSERT and its NOTIFY only.
INSERT INTO profiles (id, username, full_name, role)
VALUES ('b0000000-0000-4000-8000-000000000001', 'bench-admin', 'Load generator', 'admin')
ON CONFLICT (id) DO NOTHING;

INSERT INTO conversation_threads (id, user_id, title, assistant_enabled)
VALUES ('c0000000-0000-4000-8000-000000000000', 'b0000000-0000-4000-8000-000000000001', 'fan-out', false)
ON CONFLICT (id) DO NOTHING;

INSERT INTO conversation_threads (id, user_id, title, assistant_enabled)
SELECT ('c1000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'b0000000-0000-4000-8000-000000000001',
       'persisted ' || i, false
  FROM generate_series(1, 500) AS i
ON CONFLICT (id) DO NOTHING;
