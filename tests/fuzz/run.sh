#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (ASan + UBSan) and runs each for a bounded time on a copy of its seed
# corpus (tests/fuzz/corpus/<target>, never modified). Exits non-zero on any crash, leak, timeout, OOM or
# sanitizer report; the inputs that caused them are kept in a temporary directory and printed.
#   TECHPULSE_FUZZ_SECONDS   seconds per target (default 60)
#   TECHPULSE_FUZZ_BUILD_DIR build directory (default build-fuzz at the top of the repository)
#   TECHPULSE_FUZZ_TARGETS   the targets to run (default "frame jwt upgrade phoenix ws")
#   TECHPULSE_FUZZ_JOBS      targets run at the same time, each on a core of its own (default: the cores, nproc)
#   TECHPULSE_FUZZ_BUILD_ONLY=1 builds the targets and runs none (tests/run.sh builds them early, in the background)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${TECHPULSE_FUZZ_SECONDS:-60}
build_dir=${TECHPULSE_FUZZ_BUILD_DIR:-$root/build-fuzz}
targets=(${TECHPULSE_FUZZ_TARGETS:-frame jwt upgrade phoenix ws})
cxx=${TECHPULSE_FUZZ_CXX:-clang++-14}

command -v "$cxx" >/dev/null || { echo "fuzz: $cxx not found (deploy/deps.sh installs clang-14)" >&2; exit 1; }
cmake -S "$here" -B "$build_dir" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j2 --target "${targets[@]/%/_fuzz}"
[[ ${TECHPULSE_FUZZ_BUILD_ONLY:-0} != 1 ]] || exit 0
jobs=${TECHPULSE_FUZZ_JOBS:-$(nproc)}

work=$(mktemp -d /tmp/techpulse-fuzz.XXXXXX)
echo "fuzz: working directory $work (corpus copies, logs, crash artifacts)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}

# One target: its run, its summary lines and, on a finding, what it found; returns 1 on a finding.
fuzz_one() {
  local t=$1 corpus artifacts extra log rc found f
  corpus="$work/$t/corpus"
  artifacts="$work/$t/artifacts/"
  mkdir -p "$corpus" "$artifacts"
  cp "$here/corpus/$t/." "$corpus/" -r
  extra=()
  [[ -f $here/$t.dict ]] && extra+=(-dict="$here/$t.dict")
  # Requests may be as long as serve_http's 16 KiB header limit and a bit more, to reach the limit itself.
  [[ $t == upgrade ]] && extra+=(-max_len=20480)
  log="$work/$t/fuzz.log"
  rc=0
  "$build_dir/${t}_fuzz" "$corpus" "${extra[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts" >"$log" 2>&1 || rc=$?
  # The last status line: executions, coverage, corpus size.
  grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -1 | sed "s/^/fuzz: $t: /" || true
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" | sed "s/^/fuzz: $t: /" || true
  found=$(find "$artifacts" -type f | head -20)
  if ((rc != 0)) || [[ -n $found ]]; then
    echo "fuzz: $t FAILED (exit $rc); log: $log" >&2
    grep -E -A30 'ERROR: |runtime error|FUZZ_CHECK failed|==ERROR' "$log" | head -60 >&2 || tail -40 "$log" >&2
    for f in $found; do
      echo "fuzz: $t artifact $f ($(stat -c %s "$f") bytes):" >&2
      head -c 512 "$f" | od -c | head -20 >&2
      echo "fuzz: reproduce with: $build_dir/${t}_fuzz $f" >&2
    done
    return 1
  fi
}

# $jobs targets at a time; each one's report is printed whole when it ends, in the order of $targets.
status=0
echo "fuzz: ${targets[*]} for ${seconds}s each, $jobs at a time"
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
  pids=()
  for t in "${targets[@]:i:jobs}"; do
    mkdir -p "$work/$t"
    fuzz_one "$t" >"$work/$t/report" 2>&1 &
    pids+=($!)
  done
  j=0
  for t in "${targets[@]:i:jobs}"; do
    wait "${pids[j]}" || status=1
    cat "$work/$t/report"
    j=$((j + 1))
  done
done
if ((status == 0)); then
  echo "fuzz: all targets ran ${seconds}s without a finding"
  rm -rf "$work"
else
  echo "fuzz: FAILED; artifacts kept in $work" >&2
fi
exit $status
