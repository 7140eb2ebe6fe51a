#!/usr/bin/env bash
# Instruction counts of the gateway's fan-out path, repeatable on a busy machine: runs techpulse-gateway under
# valgrind --tool=callgrind twice, publishing N1 and then N2 messages to S subscribers, and prints
#   (Ir(N2) - Ir(N1)) / ((N2 - N1) * S)  = user-space instructions per delivery
# (setup, connections and subscriptions cancel out). Syscalls are not in callgrind's count: see --syscalls, which
# counts the gateway's write syscalls per delivery with perf stat on a native run.
#
#   tests/load/profile.sh [S] [N1] [N2]      (defaults 100 40 120)
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

one() {  # messages -> prints total Ir
  local n=$1 out=$work/callgrind.$1
  rm -f "$out"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$build/techpulse-gateway" serve --listen 127.0.0.1:$port \
    --threads 1 --log-level warn >"$work/gw.$n.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  timeout 300 "$build/tests/load/techpulse-load" --style tp --scenario fanout --port $port --jwt-secret $secret \
    --sub b0000000-0000-4000-8000-000000000001 --thread c0000000-0000-4000-8000-000000000000 --subs "$S" \
    --rate 0 --window 8 --messages "$n" --duration 120 --drain 60 --setup-timeout 120 >"$work/load.$n.log"
  kill -INT $pid
  wait $pid || true
  grep -q '"missing":0,' "$work/load.$n.log" || { echo "profile.sh: deliveries missing, see $work/load.$n.log" >&2; exit 1; }
  sed -n "s/.*Collected : \([0-9]*\).*/\1/p" "$work/gw.$n.log" | tail -1
}
ir1=$(one "$N1")
ir2=$(one "$N2")
echo "S=$S: Ir($N1 msgs)=$ir1 Ir($N2 msgs)=$ir2 -> $(( (ir2 - ir1) / ((N2 - N1) * S) )) instructions per delivery"
echo "profile: callgrind_annotate $work/callgrind.$N2 | head -60"
