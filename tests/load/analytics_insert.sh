#!/usr/bin/env bash
# What the analytics triggers (012; per statement since 015) cost each chat_messages insert (docs/benchmarks.md,
# "Analytics"): pgbench with the persisted-send row (pgbench_insert.sql: one row per transaction, 500 threads) on a
# fresh migrated database, with the triggers and without them (dropped), alternating, SECONDS each run, CLIENTS
# connections.
#   tests/load/analytics_insert.sh ADMIN_DATABASE_URL GATEWAY_BINARY [ROUNDS] [SECONDS] [CLIENTS]
set -euo pipefail
admin=$1
gateway=$2
rounds=${3:-2}
secs=${4:-10}
clients=${5:-4}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/fresh_db.sh"
fresh_db "$admin" "$gateway" tp_bench_analytics_insert
psql -X -q "$url" -f "$here/bench_setup.sql"
on="CREATE TRIGGER chat_messages_analytics_insert AFTER INSERT ON chat_messages REFERENCING NEW TABLE AS new_messages FOR EACH STATEMENT EXECUTE FUNCTION tp_chat_messages_analytics_insert()"
off="DROP TRIGGER IF EXISTS chat_messages_analytics_insert ON chat_messages"
for ((r = 1; r <= rounds; r++)); do
  for v in with without; do
    psql -X -q "$url" -c "$off"
    [[ $v == with ]] && psql -X -q "$url" -c "$on"
    tps=$(pgbench -n -c "$clients" -j 2 -T "$secs" -f "$here/pgbench_insert.sql" "$url" 2>/dev/null |
          awk '/^tps/ {print $3}')
    echo "$v analytics trigger: tps=$tps"
  done
done
psql -X -q "$url" -c "$off" -c "$on"
