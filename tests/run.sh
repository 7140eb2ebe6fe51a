#!/usr/bin/env bash
# The one test command (CI runs it through .ci/run): installs what is missing, builds, starts a private
# PostgreSQL in a temporary directory, runs every suite through ctest, stops what it started.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
start=$(date +%s)

"$root/deploy/deps.sh"

# The Node suites' npm packages (tests/e2e/package-lock.json: web and supabase): installed again only when the lock
# changed.
e2e_dir=$root/tests/e2e
if [[ ! -d $e2e_dir/node_modules ]] || ! cmp -s "$e2e_dir/package-lock.json" "$e2e_dir/node_modules/.installed-lock"; then
  (cd "$e2e_dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$e2e_dir/package-lock.json" "$e2e_dir/node_modules/.installed-lock"
fi

build_dir=${TECHPULSE_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTECHPULSE_BUILD_TESTS=ON >/dev/null
cmake --build "$build_dir" -j2
built=$(date +%s)

# The sanitizer and fuzzing builds (below) start now, at the lowest CPU priority, while the release suites run: those
# mostly wait on sockets, timers and PostgreSQL, and a niced compiler takes only the CPU they leave. The later steps
# run the same builds again in the foreground (a no-op when this one finished; a failure is reported there).
asan_dir=${TECHPULSE_ASAN_BUILD_DIR:-$root/build-asan}
asan_targets=(techpulse-gateway unit_tests realtime_pg_tests ai_pg_tests)
asan_configure() {
  # -O1 -g1: the usual level for ASan, and a much quicker build than -O2 -g on two cores.
  cmake -S "$root" -B "$asan_dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
    -DTECHPULSE_BUILD_TESTS=ON -DTECHPULSE_SANITIZE=ON >/dev/null
}
bg_build="" pg_dir="" port=""
cleanup() {
  [[ -z $bg_build ]] || kill -- "-$bg_build" 2>/dev/null || true
  if [[ -n $pg_dir ]]; then
    [[ -z $port ]] || "$root/deploy/pg.sh" stop "$pg_dir" "$port" || true
    rm -rf "$pg_dir"
  fi
}
trap cleanup EXIT
if [[ ${TECHPULSE_SKIP_SANITIZERS:-0} != 1 ]] && asan_configure; then
  # Its own process group (setsid), so that the cleanup can stop the compilers too.
  setsid nice -n 19 bash -c 'cmake --build "$1" -j2 --target "${@:3}"; TECHPULSE_FUZZ_BUILD_ONLY=1 "$2/tests/fuzz/run.sh"' \
    _ "$asan_dir" "$root" "${asan_targets[@]}" >/dev/null 2>&1 &
  bg_build=$!
fi

pg_dir=$(mktemp -d /tmp/techpulse-test-pg.XXXXXX)
chmod 755 "$pg_dir"
port=""
for p in $(seq 55400 55499); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[[ -n $port ]] || { echo "run.sh: no free port for PostgreSQL" >&2; exit 1; }

echo "run.sh: starting PostgreSQL in $pg_dir on port $port"
"$root/deploy/pg.sh" start "$pg_dir" "$port"
export TECHPULSE_TEST_PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
export TECHPULSE_TEST_PG_DIR="$pg_dir"
export TECHPULSE_TEST_PG_PORT="$port"

status=0
# No suite is ever run twice: a flaky test is a race in the code or the test, and a retry would hide it.
ctest --test-dir "$build_dir" --output-on-failure --timeout 900 || status=$?
end=$(date +%s)
echo "run.sh: build $((built - start)) s, tests $((end - built)) s, total $((end - start)) s, exit $status"

# ---- sanitizers and fuzzing (docs/operations.md, "Fuzzing and sanitizers") ----------------------------------
# The unit suite and the e2e suites again against an ASan + UBSan build, then the libFuzzer targets for a bounded
# time. Sanitized are the gateway (what every e2e suite drives over real sockets) and the suites that run the core
# in their own process (unit, realtime_pg, ai_pg); the e2e suites' clients are the release build's, pointed at the
# sanitized gateway with TECHPULSE_TEST_GATEWAY_BIN (building their 16 executables again under ASan would double
# this phase's build). Any sanitizer report, from a test or from a gateway process, lands in $san_dir and fails the
# run. TECHPULSE_SKIP_SANITIZERS=1 skips this block.
if [[ ${TECHPULSE_SKIP_SANITIZERS:-0} != 1 ]]; then
  san_start=$(date +%s)
  san_dir=$(mktemp -d /tmp/techpulse-sanitizer.XXXXXX)
  san_status=0
  wait "$bg_build" || true
  bg_build=""
  asan_configure || san_status=$?
  cmake --build "$asan_dir" -j2 --target "${asan_targets[@]}" || san_status=$?
  san_built=$(date +%s)
  if ((san_status == 0)); then
    # A report aborts the process that has it; the gateways' logs (stderr) go to $san_dir and are scanned after.
    export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1"
    export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
    TECHPULSE_TEST_LOG_DIR="$san_dir" \
      ctest --test-dir "$asan_dir" -R '^(unit|realtime_pg|ai_pg)$' --output-on-failure --timeout 900 || san_status=$?
    TECHPULSE_TEST_LOG_DIR="$san_dir" TECHPULSE_TEST_GATEWAY_BIN="$asan_dir/techpulse-gateway" \
      TECHPULSE_TEST_GATEWAY_SANITIZED=1 \
      ctest --test-dir "$build_dir" -R '^(e2e|access_e2e|delivery_e2e|ai_e2e|ai_snapshot_e2e|security_e2e|config_e2e|nginx_e2e|fault_e2e|metrics_e2e|tls_e2e|attachment_e2e|http_api_e2e|desk_e2e|notify_e2e|analytics_e2e|storm_e2e)$' --output-on-failure --timeout 900 \
      || san_status=$?
    unset ASAN_OPTIONS UBSAN_OPTIONS
  fi
  reports=$(grep -l -E 'runtime error:|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer' "$san_dir"/*.log 2>/dev/null || true)
  if [[ -n $reports ]]; then
    echo "run.sh: sanitizer reports in gateway logs:" >&2
    for f in $reports; do
      echo "== $f" >&2
      grep -E -A40 'runtime error:|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer' "$f" | head -60 >&2
    done
    san_status=1
  fi
  san_end=$(date +%s)
  fuzz_status=0
  # 30 s per target here, two targets at a time (five targets; the 30-minute budget of the whole run);
  # tests/fuzz/run.sh alone runs 60.
  TECHPULSE_FUZZ_SECONDS=${TECHPULSE_FUZZ_SECONDS:-30} "$root/tests/fuzz/run.sh" || fuzz_status=$?
  fuzz_end=$(date +%s)
  echo "run.sh: sanitizers: build $((san_built - san_start)) s, tests $((san_end - san_built)) s, exit $san_status;" \
    "fuzz: $((fuzz_end - san_end)) s, exit $fuzz_status"
  ((san_status == 0)) && rm -rf "$san_dir"
  ((status != 0)) || status=$san_status
  ((status != 0)) || status=$fuzz_status
  end=$(date +%s)
  echo "run.sh: total $((end - start)) s, exit $status"
fi
exit $status
