#!/usr/bin/env bash
# A private PostgreSQL for development and tests: pg.sh start|stop|restart|status|psql DIR PORT
#   DIR   data directory root (created on first start; holds data/, the socket and the log)
#   PORT  TCP port on 127.0.0.1
# As root, the server runs as the unprivileged user `postgres` (PostgreSQL refuses to run as root).
set -euo pipefail

cmd=${1:?usage: pg.sh start|stop|restart|status|psql DIR PORT}
dir=${2:?data directory}
port=${3:?port}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [[ $(id -u) -eq 0 ]]; then
      chown postgres:postgres "$dir"
      if ! runuser -u postgres -- test -w "$dir"; then
        echo "pg.sh: user postgres cannot write $dir (is a parent directory private?)" >&2
        exit 1
      fi
    fi
    if [[ ! -f $dir/data/PG_VERSION ]]; then
      as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
      cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
CONF
    fi
    if as_pg "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      exit 0
    fi
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -o "-p $port" -l "$dir/server.log" -w -t 60 start >/dev/null ||
      { tail -20 "$dir/server.log" >&2; exit 1; }
    ;;
  stop)
    [[ -f $dir/data/PG_VERSION ]] || exit 0
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    ;;
  restart)
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -o "-p $port" -l "$dir/server.log" -w -t 60 start >/dev/null
    ;;
  status)
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" status
    ;;
  psql)
    shift 3
    psql -h 127.0.0.1 -p "$port" -U postgres "$@"
    ;;
  *)
    echo "pg.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
