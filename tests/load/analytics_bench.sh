#!/usr/bin/env bash
# The analytics summary on a million messages (docs/benchmarks.md, "Analytics"): a fresh database migrated by the
# gateway binary, analytics_data.sql's generated data set, then tp_analytics_summary timed for 30 days and for one
# day (ROUNDS runs each, warm cache) and one EXPLAIN ANALYZE of the 30-day call's statement.
#   tests/load/analytics_bench.sh ADMIN_DATABASE_URL GATEWAY_BINARY [ROUNDS]
# ADMIN_DATABASE_URL names a server where the script may create and drop the database tp_bench_analytics.
# The insert-rate side (what the analytics triggers cost each message): tests/load/analytics_insert.sh.
set -euo pipefail
admin=$1
gateway=$2
rounds=${3:-5}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/fresh_db.sh"
fresh_db "$admin" "$gateway" tp_bench_analytics
start=$(date +%s)
psql -X -q "$url" -f "$here/analytics_data.sql"
echo "generated in $(( $(date +%s) - start )) s: $(psql -X -At "$url" -c 'SELECT count(*) FROM chat_messages') messages"
call() {
  echo "SELECT length(tp_analytics_summary('00000000-0000-4000-9000-000000000002', '$1', '$2'));"
}
for range in "2026-10-01T00:00:00Z 2026-10-31T00:00:00Z" "2026-10-10T00:00:00Z 2026-10-11T00:00:00Z" \
             "2026-10-03T07:25:00Z 2026-10-24T16:40:00Z"; do
  set -- $range
  times=$( { echo '\timing on'; for ((r = 0; r < rounds; r++)); do call "$1" "$2"; done; } |
           psql -X -At "$url" | grep '^Time:' | awk '{printf "%s ", $2}')
  echo "range $1 .. $2: ms $times"
done
# The same figures as 010's definition (which read chat_messages directly): its text, renamed, on the same data.
root=$(cd "$here/../.." && pwd)
sed -n '/^CREATE FUNCTION tp_analytics_summary/,/^\$\$;/p' "$root/storage/migrations/010_desk.sql" |
  sed 's/tp_analytics_summary(/tp_analytics_summary_010(/' | psql -X -q "$url"
for range in "2026-10-01T00:00:00Z 2026-10-31T00:00:00Z" "2026-10-03T07:25:00Z 2026-10-24T16:40:00Z" \
             "2026-10-05T10:10:00Z 2026-10-05T10:50:00Z" "2026-10-05T10:10:00Z 2026-10-05T11:00:00Z"; do
  set -- $range
  same=$(psql -X -At "$url" -c "SELECT tp_analytics_summary('00000000-0000-4000-9000-000000000002', '$1', '$2')::jsonb
                                     = tp_analytics_summary_010('00000000-0000-4000-9000-000000000002', '$1', '$2')::jsonb")
  echo "range $1 .. $2: same figures as 010: $same"
  [[ $same == t ]] || exit 1
done
# The function is SQL: its statement, planned with the range as constants, is what EXPLAIN shows. The plan of
# the body is printed by auto_explain with nested statements.
psql -X -At "$url" <<SQL
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_timing = on;
SET client_min_messages = log;
SET auto_explain.log_level = notice;
$(call 2026-10-01T00:00:00Z 2026-10-31T00:00:00Z)
SQL
