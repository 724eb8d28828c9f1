#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster on a free loopback port and prints
# the export line for IDCENTER_TEST_POSTGRES. Usage:
#   eval "$(scripts/pg.sh start DIR)"   # DIR is created and owned by the cluster
#   scripts/pg.sh stop DIR
#   scripts/pg.sh resume DIR            # starts a stopped cluster again, on its port
# stop is an immediate shutdown (like a crash: no checkpoint); resume lets
# tests take the database away and bring it back (SECURITY.md ST-05).
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  echo "$port" >"$dir/port"
  as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1
  "$0" resume "$dir"
  echo "export IDCENTER_TEST_POSTGRES='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'"
  ;;
resume)
  port=$(cat "$dir/port")
  # Log sync timing for the benchmarks (pg_stat_wal), where the version has it.
  timing=""
  if as_pg "$bin/postgres" --describe-config 2>/dev/null | grep '^track_wal_io_timing' >/dev/null; then
    timing="-c track_wal_io_timing=on"
  fi
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c shared_buffers=256MB $timing" start >/dev/null
  ;;
stop)
  as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  ;;
esac
