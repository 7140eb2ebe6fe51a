#!/usr/bin/env bash
# The assistant benchmark (not a test): retrieval latency with a 10,000-article knowledge base and the delay from a
# user message's commit to assistant.start. Builds techpulse-assistant-bench, starts a private PostgreSQL (or uses
# TECHPULSE_BENCH_PG_URL), runs it. Results go in docs/benchmarks.md, section "Assistant".
#   tests/load/assistant_bench.sh [--articles 10000] [--rounds 10] [--messages 200] [--workers 2]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=${TECHPULSE_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTECHPULSE_BUILD_TESTS=ON >/dev/null
cmake --build "$build_dir" -j2 --target techpulse-assistant-bench >/dev/null
url=${TECHPULSE_BENCH_PG_URL:-}
if [[ -z $url ]]; then
  pg_dir=$(mktemp -d /tmp/techpulse-bench-pg.XXXXXX)
  chmod 755 "$pg_dir"
  port=""
  for p in $(seq 55500 55599); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
  done
  [[ -n $port ]] || { echo "assistant_bench.sh: no free port" >&2; exit 1; }
  trap '"$root/deploy/pg.sh" stop "$pg_dir" "$port" || true; rm -rf "$pg_dir"' EXIT
  "$root/deploy/pg.sh" start "$pg_dir" "$port" >/dev/null
  url="postgresql://postgres@127.0.0.1:$port/postgres"
fi
echo "machine: $(nproc) cores, $(uname -r), PostgreSQL $(psql "$url" -Atc 'SHOW server_version' 2>/dev/null || echo '?')"
"$build_dir/tests/techpulse-assistant-bench" "$url" "$@" 2> >(grep -v 'component=ai' >&2)
