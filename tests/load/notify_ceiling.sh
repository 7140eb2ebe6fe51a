#!/usr/bin/env bash
# The ceiling of the LISTEN/NOTIFY bus (docs/operations.md, "Scaling out"): N gateway nodes (1, 2, 4) on one
# PostgreSQL; pgbench inserts messages at a fixed rate into the 500 persisted threads of bench_setup.sql (the same
# rows and triggers as a send, tests/load/notify_insert.sql), :rows per transaction; a probe (peers/notify_probe.js)
# holds one connection per node subscribed to every thread and measures, per node, commit-to-frame latency
# (arrival minus the row's created_at). Every rate step is one JSON line in $work/notify.jsonl; the table goes to
# stdout. A node count's ceiling is the highest rate whose p99 stays under 50 ms with nothing lost.
#
#   tests/load/notify_ceiling.sh [--nodes "1 2 4"] [--rates "500 1000 2000 4000"] [--rows "1 16"] [--duration SEC]
#
# Bounded: each step runs pgbench for --duration seconds (default 5), then waits at most 10 s for the deliveries;
# every process started here is stopped on exit.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$root/tests/load

nodes_list="1 2 4"
rates="500 1000 2000 4000 8000"
rows_list="1 16"
duration=5
while [[ $# -gt 0 ]]; do
  case $1 in
    --nodes) nodes_list=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    --rows) rows_list=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    -h|--help) sed -n 2,13p "$0"; exit 0 ;;
    *) echo "notify_ceiling.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

build=${TECHPULSE_BUILD_DIR:-$root/build}
gateway=$build/techpulse-gateway
pg_port=${TP_BENCH_PG_PORT:-54360}
pg_dir=${TP_BENCH_PG_DIR:-/tmp/tp-notify-pg}
gw_base=${TP_BENCH_GW_PORT:-18360}
work=${TP_BENCH_WORK:-/tmp/tp-notify}
mkdir -p "$work"
json=$work/notify.jsonl
: >"$json"
log=$work/notify.log
: >"$log"
[[ -x $gateway ]] || { echo "notify_ceiling.sh: build $gateway first" >&2; exit 2; }
if [[ ! -d $here/peers/node_modules/ws ]]; then
  (cd "$here/peers" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

secret=notify-secret-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
admin=b0000000-0000-4000-8000-000000000001
db=techpulse_notify
db_url=postgresql://postgres@127.0.0.1:$pg_port/$db

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

"$root/deploy/pg.sh" start "$pg_dir" "$pg_port"
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres "$@"; }
if [[ $(psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'") != 1 ]]; then
  psql_ -d postgres -c "CREATE DATABASE $db"
fi
TECHPULSE_DATABASE_URL=$db_url "$gateway" migrate >/dev/null
psql_ -d $db -f "$here/bench_setup.sql" >/dev/null
threads_file=$work/threads.txt
psql_ -d $db -tAc "SELECT id FROM conversation_threads WHERE title LIKE 'persisted %' ORDER BY id" >"$threads_file"
token=$(TECHPULSE_JWT_SECRET=$secret "$gateway" token --sub "$admin" --role admin --ttl 86400)

wait_port() {
  for _ in $(seq 1 100); do
    if (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "notify_ceiling.sh: nothing listens on port $1" >&2
  return 1
}

gw_pids=()
start_nodes() {  # count
  gw_pids=()
  ports=()
  for i in $(seq 1 "$1"); do
    local port=$((gw_base + i))
    TECHPULSE_DATABASE_URL=$db_url TECHPULSE_JWT_SECRET=$secret "$gateway" serve --listen 127.0.0.1:$port \
      --threads 1 --log-level warn --rate-limit 0 --max-subscriptions 1000 --ai-workers 0 >>"$log" 2>&1 &
    gw_pids+=($!)
    pids+=($!)
    ports+=("$port")
  done
  for p in "${ports[@]}"; do wait_port "$p"; done
}
stop_nodes() {
  for p in "${gw_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${gw_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  gw_pids=()
}

for n in $nodes_list; do
  start_nodes "$n"
  for rows in $rows_list; do
    for rate in $rates; do
      psql_ -d $db -c "TRUNCATE chat_messages CASCADE" -c "UPDATE conversation_threads SET last_seq = 0" >/dev/null
      out=$work/probe-$n-$rows-$rate.jsonl
      rm -f "$out"
      node "$here/peers/notify_probe.js" --ports "$(IFS=,; echo "${ports[*]}")" --token "$token" \
        --threads-file "$threads_file" --out "$out" >"$work/probe.stdout" 2>>"$log" &
      probe=$!
      pids+=($probe)
      for _ in $(seq 1 200); do grep -q ready "$work/probe.stdout" 2>/dev/null && break; sleep 0.05; done
      grep -q ready "$work/probe.stdout" || { echo "notify_ceiling.sh: the probe did not get ready" >&2; exit 1; }
      tx_rate=$(( (rate + rows - 1) / rows ))
      queue_max=0
      ( while sleep 0.25; do psql_ -d $db -tAc "SELECT pg_notification_queue_usage()" 2>/dev/null || true; done ) \
        >"$work/queue.txt" &
      sampler=$!
      pids+=($sampler)
      load=$(cut -d' ' -f1-3 /proc/loadavg)
      pg_out=$(timeout 120 pgbench -n -h 127.0.0.1 -p "$pg_port" -U postgres -c 8 -j 2 -R "$tx_rate" -T "$duration" \
        -D rows="$rows" -f "$here/notify_insert.sql" $db 2>&1 || true)
      inserted=$(psql_ -d $db -tAc "SELECT count(*) FROM chat_messages")
      # Wait (bounded) until every node has every row, or 10 s.
      for _ in $(seq 1 100); do
        kill -0 "$probe" 2>/dev/null || break
        sleep 0.1
        [[ $(psql_ -d $db -tAc "SELECT count(*) FROM chat_messages") == "$inserted" ]] || continue
        kill -TERM "$probe"; wait "$probe" 2>/dev/null || true
        break
      done
      kill -TERM "$probe" 2>/dev/null || true; wait "$probe" 2>/dev/null || true
      kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
      queue_max=$(sort -g "$work/queue.txt" | tail -1)
      tps=$(echo "$pg_out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
      lag=$(echo "$pg_out" | sed -n 's/^rate limit schedule lag: avg \([0-9.]*\) .*max \([0-9.]*\).*/\1 \2/p' | head -1)
      python3 - "$out" "$n" "$rows" "$rate" "$inserted" "$duration" "${tps:-0}" "${lag:-}" "${queue_max:-0}" "$load" \
        >>"$json" <<'PY'
import json, sys
out, n, rows, rate, inserted, duration, tps, lag, queue, load = sys.argv[1:]
nodes = [json.loads(l) for l in open(out) if l.strip()] if __import__("os").path.exists(out) else []
print(json.dumps({"nodes": int(n), "rows_per_tx": int(rows), "target_msgs_s": int(rate), "inserted": int(inserted),
                  "achieved_msgs_s": round(int(inserted) / float(duration)), "pgbench_tps": float(tps),
                  "pgbench_lag_ms": lag, "queue_usage_max": float(queue or 0), "loadavg": load,
                  "per_node": nodes}))
PY
      tail -1 "$json" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
worst = max((x["p99_ms"] or 0) for x in r["per_node"]) if r["per_node"] else None
lost = sum(r["inserted"] - x["received"] for x in r["per_node"])
print(f"nodes={r[\"nodes\"]} rows/tx={r[\"rows_per_tx\"]} target={r[\"target_msgs_s\"]}/s achieved={r[\"achieved_msgs_s\"]}/s "
      f"worst p99={worst} ms lost={lost} queue={r[\"queue_usage_max\"]} load={r[\"loadavg\"]}")'
    done
  done
  stop_nodes
done
python3 "$here/notify_table.py" "$json"
