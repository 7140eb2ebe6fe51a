#!/usr/bin/env bash
# The cost of 008's tp_row trigger on chat_messages inserts (docs/benchmarks.md, "The cost of tp_row"): three
# variants on one migrated database with the benchmark's rows (bench_setup.sql) and a LISTEN connection on tp_row and
# tp_chat (as a gateway node has):
#   main      no tp_row trigger on chat_messages (what main has)
#   feed_on   the trigger with a live tp_row_feed row (a node serves postgres_changes bindings): two NOTIFYs per row
#   feed_off  the trigger with no live feed row (no Supabase client anywhere): it returns before any JSON or NOTIFY
# Each round inserts 5000 rows in one transaction under EXPLAIN ANALYZE (per-trigger time) and times the COMMIT
# (where NOTIFYs are queued). Rounds interleave the variants so machine load hits all of them alike.
#   tests/load/tp_row_cost.sh DATABASE_URL_OF_A_MIGRATED_DB [ROUNDS]
set -euo pipefail
U=$1
rounds=${2:-5}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
psql -X -q "$U" -f "$here/bench_setup.sql"
psql -X -q "$U" -c "LISTEN tp_row; LISTEN tp_chat; SELECT pg_sleep(3600)" >/dev/null 2>&1 &
listener=$!
trap 'kill $listener 2>/dev/null || true' EXIT
trigger="CREATE TRIGGER chat_messages_row_notify AFTER INSERT OR UPDATE OR DELETE ON chat_messages FOR EACH ROW EXECUTE FUNCTION tp_row_notify()"
setv() {
  psql -X -q "$U" -c "DROP TRIGGER IF EXISTS chat_messages_row_notify ON chat_messages" -c "DELETE FROM tp_row_feed" 2>/dev/null
  case $1 in
    feed_on) psql -X -q "$U" -c "$trigger" -c "INSERT INTO tp_row_feed VALUES ('bench', now() + interval '1 hour')" ;;
    feed_off) psql -X -q "$U" -c "$trigger" ;;
  esac
}
for ((r = 1; r <= rounds; r++)); do
  for v in main feed_on feed_off; do
    setv $v
    out=$(psql -X -At "$U" <<'SQL'
\timing on
BEGIN;
EXPLAIN (ANALYZE, FORMAT TEXT) INSERT INTO chat_messages (id, thread_id, sender_id, role, content, message_type, metadata)
SELECT gen_random_uuid(), ('c1000000-0000-4000-8000-' || lpad((1 + i % 500)::text, 12, '0'))::uuid,
       'b0000000-0000-4000-8000-000000000001', 'technician',
       'pgbench xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
       'text', '{}' FROM generate_series(1, 5000) i;
COMMIT;
SQL
)
    trig=$(echo "$out" | grep -E "^Trigger chat_messages" | sed -E 's/Trigger ([a-z_]+).*time=([0-9.]+).*/\1=\2/' | tr '\n' ' ')
    exe=$(echo "$out" | grep "Execution Time" | awk '{print $3}')
    commit=$(echo "$out" | grep "^Time:" | tail -1 | awk '{print $2}')
    echo "$v exec_ms=$exe commit_ms=$commit $trig"
  done
done
setv feed_off
