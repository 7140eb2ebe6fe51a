#!/usr/bin/env bash
# The side-by-side benchmark (docs/benchmarks.md): techpulse-gateway, nginx+nchan, a Node `ws` broadcast server and
# a uWebSockets pub/sub server in the same run on the same machine, driven by techpulse-load; pgbench gives the
# database's own ceiling for the persisted scenario. Writes a markdown table (and the raw JSON lines beside it).
#
# The uWebSockets peer (peers/uws_broadcast.cpp) is built from sources outside the repository (TP_UWS_SRC, see
# peers/build_uws.sh); without them it is skipped, with a message.
#
#   tests/load/compare.sh [--quick] [--runs N] [--duration SEC] [--only fanout,latency,persisted,connections,pgbench]
#                         [--out FILE]
#
# Placement: every server under test runs on core 0 (taskset -c 0), the load generator on core 1 (taskset -c 1).
# PostgreSQL is not pinned: it runs wherever the scheduler puts it (in practice mostly core 1, beside the load
# generator, since core 0 is saturated by the server under test in the max-rate runs). The gateway runs one event
# loop (--threads 1) because it has one core. TP_BENCH_GW_THREADS, TP_BENCH_SERVER_CPUS and TP_BENCH_LOAD_CPUS
# (taskset lists, defaults 1, 0 and 1) change that, for example `--threads 2` with server and load on both cores.
#
# Every run is bounded: each techpulse-load run has a measured window (default 5 s), a drain of at most 3 s and a
# setup deadline; the whole script stops every process it started on exit.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$root/tests/load

runs=1
duration=${TP_BENCH_DURATION:-5}
only=fanout,latency,persisted,connections,pgbench
out=
quick=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    -h|--help) sed -n 2,16p "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ $quick == 1 ]] && duration=2

build=${TECHPULSE_BUILD_DIR:-$root/build}
# TP_BENCH_STYLES="tp" runs the gateway column only (a before/after comparison of two builds); the default is
# every server, uWebSockets included when its sources are there.
read -r -a styles <<<"${TP_BENCH_STYLES:-tp nchan ws uws}"
pg_port=${TP_BENCH_PG_PORT:-54350}
pg_dir=${TP_BENCH_PG_DIR:-/tmp/tp-bench-pg}
gw_port=${TP_BENCH_GW_PORT:-18350}
gw_threads=${TP_BENCH_GW_THREADS:-1}
# TP_BENCH_TLS=1: the gateway serves wss:// (a self-signed certificate made in $work) and techpulse-load speaks it
# (--tls); the peers stay on ws://, so run it with TP_BENCH_STYLES=tp.
gw_tls=${TP_BENCH_TLS:-0}
server_cpus=${TP_BENCH_SERVER_CPUS:-0}
load_cpus=${TP_BENCH_LOAD_CPUS:-1}
nchan_port=${TP_BENCH_NCHAN_PORT:-18351}
ws_port=${TP_BENCH_WS_PORT:-18352}
uws_port=${TP_BENCH_UWS_PORT:-18353}
work=${TP_BENCH_WORK:-/tmp/tp-bench}
out=${out:-$work/results.md}
mkdir -p "$work"
json=$work/results.jsonl
: >"$json"
log=$work/compare.log
: >"$log"

secret=bench-secret-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
admin=b0000000-0000-4000-8000-000000000001
fan_thread=c0000000-0000-4000-8000-000000000000
db_url=postgresql://postgres@127.0.0.1:$pg_port/techpulse_bench

# ---- dependencies (only what the benchmark needs beyond the project's own deploy/deps.sh) ----
has_style() { [[ " ${styles[*]} " == *" $1 "* ]]; }
if has_style nchan && { [[ ! -f /usr/lib/nginx/modules/ngx_nchan_module.so ]] || ! command -v nginx >/dev/null; }; then
  echo "==> installing nginx-light and libnginx-mod-nchan"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light libnginx-mod-nchan >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light libnginx-mod-nchan >/dev/null; }
fi
if has_style ws && [[ ! -d $here/peers/node_modules/ws ]]; then
  echo "==> npm install (tests/load/peers)"
  command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  (cd "$here/peers" && npm install --no-audit --no-fund >/dev/null)
fi
if [[ ! -x $build/techpulse-gateway || ! -x $build/tests/load/techpulse-load ]]; then
  echo "==> building techpulse-gateway and techpulse-load in $build"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTECHPULSE_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" -j2 --target techpulse-gateway techpulse-load >/dev/null
fi
gateway=$build/techpulse-gateway
load=$build/tests/load/techpulse-load
uws_bin=
if has_style uws; then
  if uws_bin=$("$here/peers/build_uws.sh" "$work/uws" 2>>"$work/uws-build.log"); then
    echo "==> uWebSockets peer: $uws_bin"
  else
    uws_bin=
    echo "==> uWebSockets peer skipped: $(tail -1 "$work/uws-build.log")"
    kept=()
    for s in "${styles[@]}"; do [[ $s == uws ]] || kept+=("$s"); done
    styles=("${kept[@]}")
  fi
fi

# ---- processes, all stopped on exit ----
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

echo "==> PostgreSQL on 127.0.0.1:$pg_port ($pg_dir)"
"$root/deploy/pg.sh" start "$pg_dir" "$pg_port"
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres "$@"; }
if [[ $(psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'techpulse_bench'") != 1 ]]; then
  psql_ -d postgres -c "CREATE DATABASE techpulse_bench"
fi
TECHPULSE_DATABASE_URL=$db_url "$gateway" migrate >/dev/null
psql_ -d techpulse_bench -f "$here/bench_setup.sql" >/dev/null
# Earlier runs' rows would only slow the inserts down over time.
psql_ -d techpulse_bench -c "TRUNCATE chat_messages CASCADE" -c "UPDATE conversation_threads SET last_seq = 0" >/dev/null
threads_file=$work/threads.txt
psql_ -d techpulse_bench -tAc "SELECT id FROM conversation_threads WHERE title LIKE 'persisted %' ORDER BY id" >"$threads_file"

wait_port() {  # port
  for _ in $(seq 1 100); do
    if (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "compare.sh: nothing listens on port $1" >&2
  return 1
}

gw_tls_args=()
if [[ $gw_tls == 1 ]]; then
  if [[ ! -f $work/tls/key.pem ]]; then
    mkdir -p "$work/tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/tls/key.pem" \
      -out "$work/tls/cert.pem" -days 30 -subj /CN=127.0.0.1 2>/dev/null
  fi
  gw_tls_args=(--tls-cert "$work/tls/cert.pem" --tls-key "$work/tls/key.pem")
fi
gw_pid=
start_gateway() {
  stop_gateway
  # A load generator is not a chat client: no per-connection rate limit and no per-address connection cap (the
  # connections scenario holds 19k connections from a few 127.0.0.x addresses).
  TECHPULSE_DATABASE_URL=$db_url TECHPULSE_JWT_SECRET=$secret taskset -c "$server_cpus" "$gateway" serve \
    --listen 127.0.0.1:$gw_port --threads "$gw_threads" --log-level warn --rate-limit 0 --max-connections-per-ip 0 \
    "${gw_tls_args[@]}" >>"$log" 2>&1 &
  gw_pid=$!
  pids+=("$gw_pid")
  wait_port "$gw_port"
}
stop_gateway() {
  if [[ -n $gw_pid ]]; then kill "$gw_pid" 2>/dev/null || true; wait "$gw_pid" 2>/dev/null || true; gw_pid=; fi
}

nchan_master=
nchan_worker=
start_nchan() {
  stop_nchan
  local prefix=$work/nchan
  mkdir -p "$prefix"
  sed -e "s#@PREFIX@#$prefix#g" -e "s#@PORT@#$nchan_port#g" "$here/peers/nchan.conf.in" >"$prefix/nginx.conf"
  taskset -c "$server_cpus" nginx -p "$prefix" -c "$prefix/nginx.conf" >>"$log" 2>&1 &
  nchan_master=$!
  pids+=("$nchan_master")
  wait_port "$nchan_port"
  nchan_worker=$(pgrep -P "$nchan_master" | head -1)
}
stop_nchan() {
  if [[ -n $nchan_master ]]; then
    kill -QUIT "$nchan_master" 2>/dev/null || true; wait "$nchan_master" 2>/dev/null || true; nchan_master=
  fi
}

ws_pid=
start_ws() {
  stop_ws
  taskset -c "$server_cpus" node "$here/peers/ws_broadcast.js" "$ws_port" >>"$log" 2>&1 &
  ws_pid=$!
  pids+=("$ws_pid")
  wait_port "$ws_port"
}
stop_ws() {
  if [[ -n $ws_pid ]]; then kill "$ws_pid" 2>/dev/null || true; wait "$ws_pid" 2>/dev/null || true; ws_pid=; fi
}

uws_pid=
start_uws() {
  [[ -n $uws_bin ]] || return 0
  stop_uws
  taskset -c "$server_cpus" "$uws_bin" "$uws_port" >>"$log" 2>&1 &
  uws_pid=$!
  pids+=("$uws_pid")
  wait_port "$uws_port"
}
stop_uws() {
  if [[ -n $uws_pid ]]; then kill "$uws_pid" 2>/dev/null || true; wait "$uws_pid" 2>/dev/null || true; uws_pid=; fi
}

server_pid() {  # style
  case $1 in tp) echo "$gw_pid" ;; nchan) echo "$nchan_worker" ;; ws) echo "$ws_pid" ;; uws) echo "$uws_pid" ;; esac
}
port_of() {
  case $1 in tp) echo "$gw_port" ;; nchan) echo "$nchan_port" ;; ws) echo "$ws_port" ;; uws) echo "$uws_port" ;; esac
}
start_style() {  # style: a fresh server
  case $1 in tp) start_gateway ;; nchan) start_nchan ;; ws) start_ws ;; uws) start_uws ;; esac
}

# One techpulse-load run on the load generator's cores (core 1 by default); its JSON line goes to $json.
run_load() {  # label style args...
  local label=$1 style=$2
  shift 2
  [[ $style == tp && $gw_tls == 1 ]] && set -- --tls "$@"
  echo "--- $label ($style)  loadavg $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
  timeout 300 taskset -c "$load_cpus" "$load" --style "$style" --port "$(port_of "$style")" --server-pid "$(server_pid "$style")" \
    --jwt-secret "$secret" --sub "$admin" --thread "$fan_thread" --label "$label" --json-out "$json" "$@" \
    | grep -v '^{' | tee -a "$log" || echo "    (run failed: see $log)" | tee -a "$log"
}

has() { [[ ,$only, == *,$1,* ]]; }

for style in "${styles[@]}"; do start_style "$style"; done
echo "==> servers: gateway pid $gw_pid, nginx worker pid $nchan_worker, node pid $ws_pid, uws pid ${uws_pid:-none};" \
  "load generator on cores $load_cpus, servers on $server_cpus, gateway --threads $gw_threads"

for r in $(seq 1 "$runs"); do
  echo "==> round $r of $runs"
  if has fanout; then
    for s in 100 2000; do
      # Closed loop at the maximum rate, a message outstanding until acked and delivered to every subscriber.
      for w in 8 32 64; do
        for style in "${styles[@]}"; do
          run_load "fanout S=$s w=$w max" "$style" --scenario fanout --subs "$s" --rate 0 --window "$w" \
            --duration "$duration"
        done
      done
      # Open loop below saturation: 25%, 50% and 75% of the maximum rate each server reached this round at
      # window 32, so every server is measured at the same fraction of its own ceiling.
      for style in "${styles[@]}"; do
        sat=$(python3 - "$json" "fanout S=$s w=32 max" "$style" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in rows if r.get("label") == sys.argv[2] and r["style"] == sys.argv[3]]
print(int(rows[-1]["published"] / rows[-1]["duration_s"]) if rows and rows[-1]["duration_s"] > 0 else 0)
PY
)
        [[ $sat -gt 4 ]] || continue
        for pct in 25 50 75; do
          run_load "fanout S=$s at $pct%" "$style" --scenario fanout --subs "$s" --rate $((sat * pct / 100)) \
            --duration "$duration"
        done
      done
    done
  fi
  if has latency; then
    for rate in 100 1000 5000; do
      for style in "${styles[@]}"; do
        run_load "latency $rate/s" "$style" --scenario latency --subs 100 --rate "$rate" --duration "$duration"
      done
    done
  fi
  if has persisted; then
    run_load "persisted max" tp --scenario persisted --threads-file "$threads_file" --threads 500 --rate 0 \
      --window 2000 --duration "$duration" --setup-timeout 60
    run_load "persisted 10000/s" tp --scenario persisted --threads-file "$threads_file" --threads 500 --rate 10000 \
      --duration "$duration" --setup-timeout 60
  fi
  if has pgbench; then
    # The same INSERT the gateway's writers do (both triggers fire: the cursor and the NOTIFY), one row per
    # transaction, synchronous_commit=on. 2 clients = the gateway's writer connections; 16 = what the database
    # gives with more connections.
    for c in 2 16; do
      echo "--- pgbench insert c=$c  loadavg $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
      pg_out=$(PGOPTIONS='-c synchronous_commit=on' timeout 120 taskset -c 1 pgbench -n -h 127.0.0.1 -p "$pg_port" \
        -U postgres -c "$c" -j 1 -T "$duration" -f "$here/pgbench_insert.sql" techpulse_bench 2>&1 || true)
      echo "$pg_out" | grep -E "tps|latency average" | tee -a "$log"
      tps=$(echo "$pg_out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
      lat=$(echo "$pg_out" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' | head -1)
      echo "{\"tool\":\"pgbench\",\"scenario\":\"pgbench\",\"style\":\"pgbench\",\"label\":\"pgbench insert c=$c\",\"clients\":$c,\"tps\":${tps:-0},\"latency_avg_ms\":${lat:-0},\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >>"$json"
    done
  fi
  if has connections; then
    ns=(5000 10000 19000)
    [[ $quick == 1 ]] && ns=(2000)
    for n in "${ns[@]}"; do
      for style in "${styles[@]}"; do
        # A fresh server for each count, so that its RSS before the run is its idle RSS.
        start_style "$style"
        sleep 0.5
        run_load "connections $n" "$style" --scenario connections --conns "$n" --source-ips 8 --hold 2 \
          --setup-timeout 120
      done
    done
    for style in "${styles[@]}"; do start_style "$style"; done
  fi
done

TP_BENCH_PLACEMENT="server on cores $server_cpus (gateway --threads $gw_threads), load generator on cores $load_cpus" \
  python3 "$here/table.py" "$json" >"$out"
echo "==> results: $out (raw JSON lines: $json, log: $log)"
cat "$out"
