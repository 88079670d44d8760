#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the tests: `start DIR` creates a cluster in DIR (initdb, password
# authentication on TCP), starts it on a free port and prints its admin URL; `stop DIR` stops it and deletes DIR.
# For the outage tests: `restart DIR` restarts it in immediate mode (a crash: every connection cut, recovery from
# the WAL), `down DIR` stops it in immediate mode and `up DIR` starts it again on its port; each returns once the
# server is down or accepts connections again.
# Uses Debian's PostgreSQL (installed by scripts/setup.sh). As root, the server runs as the `postgres` user, since
# PostgreSQL refuses to run as root.
set -euo pipefail
command="${1:?usage: postgres-throwaway.sh start|stop DIR}"
dir="${2:?usage: postgres-throwaway.sh start|stop DIR}"

bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bin/initdb" ] || { echo "postgres-throwaway: no PostgreSQL server binaries under /usr/lib/postgresql" >&2; exit 1; }
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  password="ctxevo-test-$RANDOM$RANDOM"
  echo "$password" > "$dir/password"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir/password"
  as_owner "$bin/initdb" -D "$dir/data" -U ctxevo --pwfile="$dir/password" --auth-host=scram-sha-256 \
    --auth-local=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  echo "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" > "$dir/options"
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$(cat "$dir/options")" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  echo "postgresql://ctxevo:$password@127.0.0.1:$port/postgres"
  ;;
stop)
  [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
restart)
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -m immediate -o "$(cat "$dir/options")" \
    restart >/dev/null || { tail -20 "$dir/server.log" >&2; exit 1; }
  ;;
down) as_owner "$bin/pg_ctl" -D "$dir/data" -w -m immediate stop >/dev/null ;;
up)
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$(cat "$dir/options")" start >/dev/null \
    || { tail -20 "$dir/server.log" >&2; exit 1; }
  ;;
*) echo "usage: postgres-throwaway.sh start|stop|restart|down|up DIR" >&2; exit 2 ;;
esac
