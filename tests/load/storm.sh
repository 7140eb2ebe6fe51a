#!/usr/bin/env bash
# The reconnect-storm benchmark (docs/benchmarks.md, "Reconnect storm"): N clients subscribed over T threads, the
# gateway killed (a node crash; --stop term for a deploy's SIGTERM) and started again, every client reconnecting at
# once with `since`. Reports the time until all are live, handshakes per second, the database's load during the storm
# (pg_stat_database deltas: transactions, rows returned/fetched; the gateway's coalesced reads), and lost and doubled
# messages (both must be 0).
#
#   tests/load/storm.sh [--clients N] [--threads T] [--procs P] [--before M] [--down D] [--during W] [--stop kill|term]
#
# Clients are spread over P processes (tests/load/storm_client.js; the open-files limit is per process) and over
# source addresses 127.0.0.2.. (ephemeral ports are per address). Every wait is bounded; every process it started is
# stopped on exit. Needs tests/load/peers/node_modules (npm install there) and a built techpulse-gateway.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$root/tests/load

clients=19000
threads=200
procs=4
before=20   # messages per thread before the clients subscribe
down=30     # messages per thread written while the gateway is down
during=10   # messages per thread written while the clients reconnect
stop=kill
while [[ $# -gt 0 ]]; do
  case $1 in
    --clients) clients=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --procs) procs=$2; shift 2 ;;
    --before) before=$2; shift 2 ;;
    --down) down=$2; shift 2 ;;
    --during) during=$2; shift 2 ;;
    --stop) stop=$2; shift 2 ;;
    -h|--help) sed -n 2,13p "$0"; exit 0 ;;
    *) echo "storm.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

build=${TECHPULSE_BUILD_DIR:-$root/build}
gateway=$build/techpulse-gateway
pg_port=${TP_STORM_PG_PORT:-54360}
pg_dir=${TP_STORM_PG_DIR:-/tmp/tp-storm-pg}
gw_port=${TP_STORM_GW_PORT:-18360}
work=${TP_STORM_WORK:-/tmp/tp-storm}
mkdir -p "$work"
rm -f "$work"/shard-*.txt "$work"/shard-*.out
log=$work/gateway.log
: >"$log"
secret=storm-secret-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
db=techpulse_storm
db_url=postgresql://postgres@127.0.0.1:$pg_port/$db
[[ -x $gateway ]] || { echo "storm.sh: build techpulse-gateway first ($gateway)" >&2; exit 2; }
[[ -d $here/peers/node_modules/ws ]] || (cd "$here/peers" && npm install --no-audit --no-fund >/dev/null)

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

"$root/deploy/pg.sh" start "$pg_dir" "$pg_port" >/dev/null
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres "$@"; }
psql_ -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
TECHPULSE_DATABASE_URL=$db_url "$gateway" migrate >/dev/null
# Profiles d0000000-...-<i> (admins, so every one may read every thread), threads e0000000-...-<t> (assistant off).
psql_ -d $db >/dev/null <<SQL
INSERT INTO profiles (id, username, full_name, role)
SELECT ('d0000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'storm-' || i, 'Storm ' || i, 'admin'
  FROM generate_series(1, $clients) i;
INSERT INTO conversation_threads (id, user_id, title, assistant_enabled)
SELECT ('e0000000-0000-4000-8000-' || lpad(t::text, 12, '0'))::uuid, 'd0000000-0000-4000-8000-000000000001',
       'storm ' || t, false
  FROM generate_series(1, $threads) t;
SQL
insert_each() {  # prefix count: count messages in every thread, one transaction
  psql_ -d $db -c "INSERT INTO chat_messages (thread_id, sender_id, content)
    SELECT t.id, t.user_id, '$1' || g FROM conversation_threads t, generate_series(1, $2) g
     WHERE t.title LIKE 'storm %' ORDER BY t.id, g" >/dev/null
}
insert_each before- "$before"

gw_pid=
start_gateway() {
  TECHPULSE_DATABASE_URL=$db_url TECHPULSE_JWT_SECRET=$secret "$gateway" serve --listen 127.0.0.1:$gw_port \
    --log-level warn --rate-limit 0 --max-connections-per-ip 0 --max-connections 60000 >>"$log" 2>&1 &
  gw_pid=$!
  pids+=("$gw_pid")
}
wait_http() {  # path: until it answers 200 (bounded)
  for _ in $(seq 1 200); do
    curl -fsS -o /dev/null "http://127.0.0.1:$gw_port$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "storm.sh: the gateway does not answer $1" >&2
  return 1
}
wait_lines() {  # word count files...: until every file has a line "word count" (bounded: 300 s)
  local word=$1 want=$2
  shift 2
  for _ in $(seq 1 3000); do
    local ok=1
    for f in "$@"; do grep -q "^$word " "$f" 2>/dev/null || { ok=0; break; }; done
    ((ok)) && return 0
    sleep 0.1
  done
  echo "storm.sh: not every shard reported '$word'" >&2
  return 1
}
metric() { curl -fsS "http://127.0.0.1:$gw_port/metrics" | awk -v s="$1" '$1 == s { print $2 }'; }
db_stats() {
  psql_ -d $db -tAc "SELECT xact_commit + xact_rollback, tup_returned, tup_fetched FROM pg_stat_database WHERE datname = '$db'"
}

ulimit -n 20000 2>/dev/null || true
start_gateway
wait_http /readyz

echo "==> $clients clients over $threads threads, $procs processes"
per=$(((clients + procs - 1) / procs))
outs=()
for ((p = 0; p < procs; p++)); do
  first=$((p * per))
  n=$((clients - first < per ? clients - first : per))
  ((n > 0)) || break
  node "$here/storm_client.js" --port "$gw_port" --first "$first" --count "$n" --threads "$threads" \
    --secret "$secret" --local "127.0.0.$((2 + p))" --out "$work/shard-$p.txt" >"$work/shard-$p.out" 2>&1 &
  pids+=("$!")
  outs+=("$work/shard-$p.out")
done
wait_lines subscribed "$clients" "${outs[@]}"

echo "==> stopping the gateway ($stop); $down messages per thread while it is down"
if [[ $stop == term ]]; then kill -TERM "$gw_pid"; else kill -9 "$gw_pid"; fi
wait "$gw_pid" 2>/dev/null || true
insert_each down- "$down"
read -r xact0 ret0 fetch0 < <(db_stats | tr '|' ' ')
load0=$(uptime)
t0=$(date +%s%3N)
start_gateway
# Messages during the reconnect: a few rounds while the clients come back.
(for _ in 1 2 3 4 5; do insert_each during- $((during / 5 > 0 ? during / 5 : 1)); sleep 0.2; done) &
during_pid=$!
wait_lines live "$clients" "${outs[@]}"
t_live=$(date +%s%3N)
wait "$during_pid" || true
sleep 1  # pg_stat_database is flushed by the backends at most once a second
read -r xact1 ret1 fetch1 < <(db_stats | tr '|' ' ')
reads=$(for r in profile access replay turn; do
  echo "$r $(metric "techpulse_coalesced_requests_total{read=\"$r\"}") $(metric "techpulse_coalesced_statements_total{read=\"$r\"}")"
done)
refused=$(metric techpulse_admissions_refused_total)

psql_ -d $db -c "INSERT INTO chat_messages (thread_id, sender_id, content)
  SELECT id, user_id, 'storm-end' FROM conversation_threads WHERE title LIKE 'storm %'" >/dev/null
wait_lines done "$clients" "${outs[@]}"

# Expected per (thread, since): the messages of the thread after that cursor.
psql_ -d $db -tAc "SELECT t.id, m.seq FROM conversation_threads t JOIN chat_messages m ON m.thread_id = t.id
                    WHERE t.title LIKE 'storm %' ORDER BY t.id, m.seq" | tr '|' ' ' >"$work/seqs.txt"
cat "$work"/shard-*.txt >"$work/clients.txt"
python3 - "$work/seqs.txt" "$work/clients.txt" "$t0" "$t_live" "$clients" <<'PY'
import bisect, collections, sys
seqs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    t, s = line.split()
    seqs[t].append(int(s))
t0, t_live, n = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
lost = doubled = missing_end = 0
welcomes, lives = [], []
rows = 0
for line in open(sys.argv[2]):
    i, t, since, received, doubles, welcome_at, live_at, saw_end = line.split()
    rows += 1
    want = len(seqs[t]) - bisect.bisect_right(seqs[t], int(since))
    lost += max(0, want - int(received))
    doubled += int(doubles) + max(0, int(received) - want)
    missing_end += 1 - int(saw_end)
    welcomes.append(int(welcome_at)); lives.append(int(live_at))
welcomes.sort(); lives.sort()
span = (welcomes[-1] - welcomes[0]) / 1000 or 1e-3
print(f"clients {rows} (of {n}); lost {lost}; doubled {doubled}; without the end marker {missing_end}")
print(f"gateway start -> all live: {(lives[-1] - t0) / 1000:.2f} s (p50 {(lives[len(lives)//2] - t0) / 1000:.2f} s)")
print(f"handshakes: {rows} in {span:.2f} s = {rows / span:.0f}/s (first {(welcomes[0] - t0) / 1000:.2f} s after the start)")
PY
echo "database during the storm: transactions $((xact1 - xact0)), rows returned $((ret1 - ret0)), rows fetched $((fetch1 - fetch0))"
echo "coalesced reads (read requests statements):"
echo "$reads" | sed 's/^/  /'
echo "admissions refused: $refused"
echo "load before the restart: $load0"
echo "load at the end:         $(uptime)"
