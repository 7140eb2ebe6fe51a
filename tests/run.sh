#!/usr/bin/env bash
# The one test command (CI runs it through .ci/run): installs what is missing, builds, starts a private
# PostgreSQL in a temporary directory, runs every suite through ctest, stops what it started.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
start=$(date +%s)

"$root/deploy/deps.sh"

build_dir=${TECHPULSE_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTECHPULSE_BUILD_TESTS=ON >/dev/null
cmake --build "$build_dir" -j2
built=$(date +%s)

pg_dir=$(mktemp -d /tmp/techpulse-test-pg.XXXXXX)
chmod 755 "$pg_dir"
port=""
for p in $(seq 55400 55499); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[[ -n $port ]] || { echo "run.sh: no free port for PostgreSQL" >&2; exit 1; }

cleanup() {
  "$root/deploy/pg.sh" stop "$pg_dir" "$port" || true
  rm -rf "$pg_dir"
}
trap cleanup EXIT

echo "run.sh: starting PostgreSQL in $pg_dir on port $port"
"$root/deploy/pg.sh" start "$pg_dir" "$port"
export TECHPULSE_TEST_PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
export TECHPULSE_TEST_PG_DIR="$pg_dir"
export TECHPULSE_TEST_PG_PORT="$port"

status=0
ctest --test-dir "$build_dir" --output-on-failure --timeout 900 || status=$?
end=$(date +%s)
echo "run.sh: build $((built - start)) s, tests $((end - built)) s, total $((end - start)) s, exit $status"
exit $status
