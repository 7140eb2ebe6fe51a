#!/usr/bin/env bash
# The ceiling of the LISTEN/NOTIFY bus (docs/operations.md, "Scaling out"): N gateway nodes (1, 2, 4) on one
# PostgreSQL; pgbench inserts messages at a fixed rate into the 500 persisted threads of bench_setup.sql (the same
# rows and triggers as a send, tests/load/notify_insert.sql), :rows per transaction; a probe (peers/notify_probe.js)
# holds one connection per node subscribed to every thread and measures, per node, commit-to-frame latency
# (arrival minus the row's created_at). Every rate step is one JSON line in $work/notify.jsonl; the table goes to
# stdout. A node count's ceiling is the highest rate whose p99 stays under 50 ms with nothing lost.
#
#   tests/load/notify_ceiling.sh [--nodes "1 2 4"] [--rates "500 1000 2000 4000"] [--rows "1 16"] [--duration SEC]
#   (docs/benchmarks.md ran it twice into one table: --rows 1 with low rates, then TP_BENCH_APPEND=1 --rows 16)
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
[[ ${TP_BENCH_APPEND:-0} == 1 ]] || : >"$json"  # TP_BENCH_APPEND=1: add to the earlier runs' lines
log=$work/notify.log
: >"$log"
: >"$work/control.txt"
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

# The control: pgbench at its max rate (8 clients), no node listening, with and without the NOTIFY trigger, so the
# cost of the commit-time notify lock shows apart from the insert's own.
for rows in $rows_list; do
  for trig in enable disable; do
    psql_ -d $db -c "TRUNCATE chat_messages CASCADE" -c "UPDATE conversation_threads SET last_seq = 0" \
      -c "ALTER TABLE chat_messages $trig TRIGGER chat_messages_notify" >/dev/null 2>&1
    pg_out=$(timeout 120 pgbench -n -h 127.0.0.1 -p "$pg_port" -U postgres -c 8 -j 2 -T "$duration" \
      -D rows="$rows" -f "$here/notify_insert.sql" $db 2>&1 || true)
    inserted=$(psql_ -d $db -tAc "SELECT count(*) FROM chat_messages")
    lat=$(echo "$pg_out" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' | head -1)
    echo "control: rows/tx=$rows notify trigger ${trig}d: $((inserted / ${duration%.*})) msg/s, pgbench latency avg ${lat:-?} ms, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$work/control.txt"
  done
done
psql_ -d $db -c "ALTER TABLE chat_messages ENABLE TRIGGER chat_messages_notify" >/dev/null

for n in $nodes_list; do
  start_nodes "$n"
  for rows in $rows_list; do
    for rate in $rates; do
      psql_ -d $db -c "TRUNCATE chat_messages CASCADE" -c "UPDATE conversation_threads SET last_seq = 0" >/dev/null
      # One probe process per node, so that the probe's own event loop is not what is measured.
      probes=()
      outs=()
      for p in "${ports[@]}"; do
        out=$work/probe-$n-$rows-$rate-$p.jsonl
        rm -f "$out" "$out.progress" "$out.stdout"
        node "$here/peers/notify_probe.js" --ports "$p" --token "$token" --threads-file "$threads_file" --out "$out" \
          >"$out.stdout" 2>>"$log" &
        probes+=($!)
        pids+=($!)
        outs+=("$out")
      done
      for out in "${outs[@]}"; do
        for _ in $(seq 1 200); do grep -q ready "$out.stdout" 2>/dev/null && break; sleep 0.05; done
        grep -q ready "$out.stdout" || { echo "notify_ceiling.sh: a probe did not get ready ($out)" >&2; exit 1; }
      done
      tx_rate=$(( (rate + rows - 1) / rows ))
      ( while sleep 0.25; do psql_ -d $db -tAc "SELECT pg_notification_queue_usage()" 2>/dev/null || true; done ) \
        >"$work/queue.txt" &
      sampler=$!
      pids+=($sampler)
      load=$(cut -d' ' -f1-3 /proc/loadavg)
      pg_out=$(timeout 120 pgbench -n -h 127.0.0.1 -p "$pg_port" -U postgres -c 8 -j 2 -R "$tx_rate" -T "$duration" \
        -D rows="$rows" -f "$here/notify_insert.sql" $db 2>&1 || true)
      echo "--- nodes=$n rows=$rows rate=$rate" >>"$log"
      echo "$pg_out" | grep -E "tps|latency|lag" >>"$log" || true
      inserted=$(psql_ -d $db -tAc "SELECT count(*) FROM chat_messages")
      # Wait (bounded: 10 s) until every node has delivered every row.
      for _ in $(seq 1 100); do
        all=1
        for out in "${outs[@]}"; do
          got=$(cat "$out.progress" 2>/dev/null || echo 0)
          ((got >= inserted)) || all=0
        done
        ((all == 1)) && break
        sleep 0.1
      done
      for p in "${probes[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
      for p in "${probes[@]}"; do wait "$p" 2>/dev/null || true; done
      out=$work/probe-$n-$rows-$rate.jsonl
      cat "${outs[@]}" >"$out" 2>/dev/null || true
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
      python3 "$here/notify_table.py" "$json" --last
    done
  done
  stop_nodes
done
python3 "$here/notify_table.py" "$json"
