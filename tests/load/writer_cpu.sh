#!/usr/bin/env bash
# What PostgreSQL's writers spend per persisted send (docs/benchmarks.md, issue 18 step 19): compare.sh's
# `persisted max` against a fresh gateway, and over 4 s in the middle of its 8 s window the CPU time of the gateway's
# writer backends (/proc/<pid>/stat) divided by the rows inserted meanwhile. Less noisy than acked sends per second
# on a machine where the database, the gateway and the load generator share two cores. Run compare.sh once first
# (it creates and fills the database and builds the binaries); same environment variables.
#   tests/load/writer_cpu.sh [RUNS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${TECHPULSE_BUILD_DIR:-$root/build}
pg_port=${TP_BENCH_PG_PORT:-54350}
work=${TP_BENCH_WORK:-/tmp/tp-bench}
runs=${1:-1}
gateway=$build/techpulse-gateway
load=$build/tests/load/techpulse-load
threads_file=$work/threads.txt
[[ -x $gateway && -x $load && -s $threads_file ]] || { echo "writer_cpu.sh: run tests/load/compare.sh first" >&2; exit 1; }
secret=bench-secret-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
admin=b0000000-0000-4000-8000-000000000001
port=18350
db_url=postgresql://postgres@127.0.0.1:$pg_port/techpulse_bench
psql_() { psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d techpulse_bench "$@"; }
hz=$(getconf CLK_TCK)
ticks() {  # the summed user+system ticks of the pids given
  local s=0 f
  for p in "$@"; do read -r -a f <"/proc/$p/stat"; s=$((s + f[13] + f[14])); done
  echo "$s"
}
gw_pid=""
trap '[[ -z $gw_pid ]] || { kill "$gw_pid" 2>/dev/null; wait "$gw_pid" 2>/dev/null; } || true' EXIT
for ((r = 1; r <= runs; r++)); do
  psql_ -c "TRUNCATE chat_messages CASCADE" -c "UPDATE conversation_threads SET last_seq = 0" >/dev/null 2>&1
  TECHPULSE_DATABASE_URL=$db_url TECHPULSE_JWT_SECRET=$secret taskset -c 0 "$gateway" serve \
    --listen 127.0.0.1:$port --threads 1 --log-level warn --rate-limit 0 --max-connections-per-ip 0 \
    >"$work/writer_cpu-gateway.log" 2>&1 &
  gw_pid=$!
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  timeout 120 taskset -c 1 "$load" --style tp --port $port --server-pid "$gw_pid" --jwt-secret "$secret" \
    --sub $admin --scenario persisted --threads-file "$threads_file" --threads 500 --rate 0 --window 2000 \
    --duration 8 --setup-timeout 60 --label writer_cpu >"$work/writer_cpu-load.log" 2>&1 &
  load_pid=$!
  writers=()
  for _ in $(seq 1 300); do  # bounded: 30 s for the writers' first batch
    read -r -a writers <<<"$(psql_ -tAc "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity
                                          WHERE query LIKE '%jsonb_to_recordset%' AND pid <> pg_backend_pid()")"
    [[ ${#writers[@]} -ge 2 ]] && break
    sleep 0.1
  done
  sleep 2
  rows0=$(psql_ -tAc "SELECT count(*) FROM chat_messages"); t0=$(ticks "${writers[@]}")
  sleep 4
  rows1=$(psql_ -tAc "SELECT count(*) FROM chat_messages"); t1=$(ticks "${writers[@]}")
  wait "$load_pid" || true
  kill "$gw_pid" 2>/dev/null; wait "$gw_pid" 2>/dev/null || true; gw_pid=""
  rows=$((rows1 - rows0))
  (( rows > 0 )) || { echo "run $r: no rows inserted"; continue; }
  echo "run $r: $((rows / 4)) rows/s, ${#writers[@]} writers, $(( (t1 - t0) * 1000000 / hz / rows )) us of writer CPU per row;" \
       "$(grep -m1 -o 'acked [0-9]* ([0-9]*/s)' "$work/writer_cpu-load.log")"
done
