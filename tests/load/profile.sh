#!/usr/bin/env bash
# Instruction counts of the gateway's fan-out path, repeatable on a busy machine: runs techpulse-gateway under
# valgrind --tool=callgrind twice, publishing N1 and then N2 messages to S subscribers, and prints
#   (Ir(N2) - Ir(N1)) / ((N2 - N1) * S)  = user-space instructions per delivery
# (setup, connections and subscriptions cancel out). Syscalls (and the kernel's work in them) are not in
# callgrind's count, so it also runs the gateway natively under `perf stat` the same two ways and prints the
# gateway's send syscalls (sendmsg + writev + write) per delivery.
#
#   tests/load/profile.sh [S] [N1] [N2]      (defaults 100 40 120; TP_PROFILE_GATEWAY=binary to profile another build,
#                                            TP_PROFILE_WINDOW=publisher window, default 8)
# Needs the bench database of compare.sh (run it once, or TP_BENCH_PG_* as there).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
S=${1:-100}
N1=${2:-40}
N2=${3:-120}
build=${TECHPULSE_BUILD_DIR:-$root/build}
pg_port=${TP_BENCH_PG_PORT:-54350}
port=${TP_BENCH_PROFILE_PORT:-18359}
work=${TP_BENCH_WORK:-/tmp/tp-bench}/profile
mkdir -p "$work"
secret=profile-secret
export TECHPULSE_DATABASE_URL=postgresql://postgres@127.0.0.1:$pg_port/techpulse_bench TECHPULSE_JWT_SECRET=$secret
export TECHPULSE_RATE_LIMIT=0 TECHPULSE_MAX_CONNECTIONS_PER_IP=0  # a load generator, not a chat client

gateway=${TP_PROFILE_GATEWAY:-$build/techpulse-gateway}

one() {  # mode messages -> prints total Ir (callgrind) or send syscalls (perf)
  local mode=$1 n=$2 out=$work/callgrind.$2
  [[ $mode == callgrind ]] && rm -f "$out"
  if [[ $mode == callgrind ]]; then
    valgrind --tool=callgrind --callgrind-out-file="$out" "$gateway" serve --listen 127.0.0.1:$port \
      --threads 1 --log-level warn >"$work/gw.$n.log" 2>&1 &
  else
    "$gateway" serve --listen 127.0.0.1:$port --threads 1 --log-level warn >"$work/gw.$n.log" 2>&1 &
  fi
  local pid=$! perf_pid=
  if [[ $mode == perf ]]; then
    perf stat -x, -e syscalls:sys_enter_sendmsg,syscalls:sys_enter_writev,syscalls:sys_enter_write -o "$work/perf.$n" \
      -p $pid &
    perf_pid=$!
  fi
  for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  timeout 300 "$build/tests/load/techpulse-load" --style tp --scenario fanout --port $port --jwt-secret $secret \
    --sub b0000000-0000-4000-8000-000000000001 --thread c0000000-0000-4000-8000-000000000000 --subs "$S" \
    --rate 0 --window "${TP_PROFILE_WINDOW:-8}" --messages "$n" --duration 120 --drain 60 --setup-timeout 120 >"$work/load.$n.log"
  if [[ -n $perf_pid ]]; then kill -INT $perf_pid; wait $perf_pid || true; fi
  kill -INT $pid
  wait $pid || true
  grep -q '"missing":0,' "$work/load.$n.log" || { echo "profile.sh: deliveries missing, see $work/load.$n.log" >&2; exit 1; }
  if [[ $mode == callgrind ]]; then
    sed -n "s/.*Collected : \([0-9]*\).*/\1/p" "$work/gw.$n.log" | tail -1
  else
    awk -F, '/syscalls/ {s += $1} END {print s}' "$work/perf.$n"
  fi
}
ir1=$(one callgrind "$N1")
ir2=$(one callgrind "$N2")
echo "S=$S: Ir($N1 msgs)=$ir1 Ir($N2 msgs)=$ir2 -> $(( (ir2 - ir1) / ((N2 - N1) * S) )) instructions per delivery"
sc1=$(one perf "$N1")
sc2=$(one perf "$N2")
echo "S=$S: send syscalls($N1 msgs)=$sc1 ($N2 msgs)=$sc2 -> $(awk -v a="$sc1" -v b="$sc2" -v d=$(( (N2 - N1) * S )) 'BEGIN {printf "%.3f", (b - a) / d}') per delivery"
echo "profile: callgrind_annotate $work/callgrind.$N2 | head -60"
