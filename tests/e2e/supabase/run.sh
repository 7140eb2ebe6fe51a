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
exec node --test --test-concurrency=1 ./*.test.mjs
