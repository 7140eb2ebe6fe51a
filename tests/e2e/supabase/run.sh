#!/usr/bin/env bash
# The supabase-js suite (docs/supabase-compat.md): runs every *.test.mjs here with Node's built-in test runner
# against the real gateway (TECHPULSE_GATEWAY_BIN) and the PostgreSQL tests/run.sh started (TECHPULSE_TEST_PG_URL).
# Its npm packages are tests/e2e's (package.json, locked): tests/run.sh installs them with npm ci; run alone, this
# installs them when they are missing.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
e2e_dir=$(dirname "$here")
if [[ ! -d $e2e_dir/node_modules/@supabase/supabase-js ]]; then
  (cd "$e2e_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
cd "$here"
# The files run four at a time: each has its own database and gateways on ports of its own, and most of their time
# is waiting (lifecycle's heartbeat case alone is 75 s). --test-force-exit ends a file when its tests are done
# instead of waiting for timers its supabase-js clients leave running after their channels are removed (up to 10 s
# a file).
exec node --test --test-concurrency=4 --test-force-exit ./*.test.mjs
