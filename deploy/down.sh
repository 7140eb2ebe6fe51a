#!/usr/bin/env bash
# Stops the private PostgreSQL that deploy/up.sh started (the data stays in .pgdata/).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pg_dir=$root/.pgdata
[[ -L $pg_dir ]] && pg_dir=$(readlink "$pg_dir")
"$root/deploy/pg.sh" stop "$pg_dir" "${TECHPULSE_PG_PORT:-54329}"
echo "PostgreSQL stopped"
