#!/usr/bin/env bash
# The newcomer's one command: installs what is missing, builds Release, starts a private PostgreSQL in .pgdata/,
# migrates, loads the demo data, and serves on 127.0.0.1:8080 (Ctrl-C stops the gateway; deploy/down.sh stops
# PostgreSQL).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

pg_port=${TECHPULSE_PG_PORT:-54329}
listen=${TECHPULSE_LISTEN:-127.0.0.1:8080}
pg_dir=$root/.pgdata

echo "==> dependencies"
"$root/deploy/deps.sh"

echo "==> build (Release)"
cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DTECHPULSE_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build-release" -j2 --target techpulse-gateway
bin=$root/build-release/techpulse-gateway

echo "==> PostgreSQL on 127.0.0.1:$pg_port"
if [[ $(id -u) -eq 0 ]] && ! runuser -u postgres -- test -x "$root"; then
  # The server runs as user postgres, who cannot enter this checkout (a private home directory, say): keep the
  # data in /var/tmp and point .pgdata at it.
  alt=/var/tmp/techpulse-pgdata-$(echo "$root" | md5sum | cut -c1-8)
  mkdir -p "$alt"
  [[ -L $pg_dir ]] || { rm -rf "$pg_dir"; ln -s "$alt" "$pg_dir"; }
  pg_dir=$alt
fi
"$root/deploy/pg.sh" start "$pg_dir" "$pg_port"
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres "$@"; }
if [[ $(psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'techpulse'") != 1 ]]; then
  psql_ -d postgres -c "CREATE DATABASE techpulse"
fi
export TECHPULSE_DATABASE_URL=${TECHPULSE_DATABASE_URL:-postgresql://postgres@127.0.0.1:$pg_port/techpulse}

echo "==> migrate"
"$bin" migrate

echo "==> demo data"
psql_ -d techpulse -f "$root/deploy/demo/knowledge_base.sql" >/dev/null
psql_ -d techpulse -f "$root/deploy/demo/demo_data.sql" >/dev/null
echo "    $(psql_ -d techpulse -tAc "SELECT count(*) FROM knowledge_base") knowledge base articles," \
     "$(psql_ -d techpulse -tAc "SELECT count(*) FROM conversation_threads") threads," \
     "$(psql_ -d techpulse -tAc "SELECT count(*) FROM chat_messages") messages"

mkdir -p "$root/.run"
if [[ -z ${TECHPULSE_JWT_SECRET:-} ]]; then
  [[ -s $root/.run/jwt_secret ]] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$root/.run/jwt_secret"
  TECHPULSE_JWT_SECRET=$(cat "$root/.run/jwt_secret")
fi
export TECHPULSE_JWT_SECRET TECHPULSE_LISTEN=$listen

maria=a0000000-0000-4000-8000-000000000001
james=a0000000-0000-4000-8000-000000000002
sam=a0000000-0000-4000-8000-000000000011
lee=a0000000-0000-4000-8000-000000000012
alex=a0000000-0000-4000-8000-000000000021
thread=e0000000-0000-4000-8000-000000000001
token=$("$bin" token --sub "$maria" --role customer --ttl 86400)
james_token=$("$bin" token --sub "$james" --role customer --ttl 86400)
tech_token=$("$bin" token --sub "$sam" --role technician --ttl 86400)
lee_token=$("$bin" token --sub "$lee" --role technician --ttl 86400)
alex_token=$("$bin" token --sub "$alex" --role admin --ttl 86400)

cat <<MSG

==> TechPulse gateway is starting on http://$listen  (Ctrl-C to stop; ./deploy/down.sh stops PostgreSQL)

  Open the web app in a browser, one link per demo user (each signs in; the token stays out of the address bar):
    Customer   Maria Lopez   http://$listen/#token=$token
    Customer   James Okafor  http://$listen/#token=$james_token
    Technician Sam Reyes     http://$listen/#token=$tech_token
    Technician Lee Chen      http://$listen/#token=$lee_token
    Admin      Alex Admin    http://$listen/#token=$alex_token   (the console with the Analytics panel)
  Open Maria and Sam side by side: Sam's console shows ticket TP-10041 and Maria's Camry thread, live.

  Or speak the protocol (docs/protocol.md) yourself:
    export TOKEN=$token
    export TECH_TOKEN=$tech_token
    websocat "ws://$listen/v1/ws?access_token=\$TOKEN"
    {"type":"subscribe","ref":"1","topic":"thread:$thread","since":"0"}
    {"type":"send","ref":"2","thread_id":"$thread","content":"Is it safe to drive with a flashing check engine light?"}

  Health: curl http://$listen/healthz    Ready: curl http://$listen/readyz
  New tokens: $bin token --sub <profile uuid> --role customer   (with TECHPULSE_JWT_SECRET from .run/jwt_secret)

MSG
exec "$bin" serve
