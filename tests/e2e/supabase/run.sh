#!/usr/bin/env bash
# The supabase-js suite (docs/supabase-compat.md): installs its locked npm dependencies once (npm ci), then runs
# every *.test.mjs with Node's built-in test runner against the real gateway (TECHPULSE_GATEWAY_BIN) and the
# PostgreSQL tests/run.sh started (TECHPULSE_TEST_PG_URL). Files run one after another (they share the server).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"
if [[ ! -d node_modules/@supabase/supabase-js ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node --test --test-concurrency=1 ./*.test.mjs
