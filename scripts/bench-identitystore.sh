#!/usr/bin/env bash
# Load runs behind the identitystore figures in BENCHMARKS.md: idcenter on
# SQLite and on PostgreSQL, and moto_server (python3 -m pip install
# 'moto[server]') as the peer, each measured with tools/loadgen over loopback
# with SigV4-signed requests. Also start-to-ready time and idle RSS.
# Usage: scripts/bench-identitystore.sh [sizes] [moto sizes]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-1000,10000,100000}
motosizes=${2:-1000,10000}
out=bench-out; mkdir -p "$out"
go build -o "$out/idcenter" ./cmd/idcenter
go build -o "$out/loadgen" ./tools/loadgen
export IDCENTER_ADMIN_ACCESS_KEY_ID=AKIABENCHMARKKEY0001 IDCENTER_ADMIN_SECRET_ACCESS_KEY=benchmark-secret-benchmark-secret-000000
key=$IDCENTER_ADMIN_ACCESS_KEY_ID; secret=$IDCENTER_ADMIN_SECRET_ACCESS_KEY
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [ -n "${pgdir:-}" ] && scripts/pg.sh stop "$pgdir"; }
trap cleanup EXIT
storeid() { AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret python3 - "$1" <<'PY'
import sys, boto3
c = boto3.client("sso-admin", endpoint_url=sys.argv[1], region_name="us-east-1")
print(c.list_instances()["Instances"][0]["IdentityStoreId"])
PY
}
run_idcenter() { # name, extra env...
  local name=$1; shift
  local p; p=$(port); local dir; dir=$(mktemp -d)
  local t0; t0=$(date +%s%N)
  env "$@" "$out/idcenter" serve --addr 127.0.0.1:$p --data-dir "$dir" --log-level warn >"$out/$name.log" 2>&1 &
  local pid=$!; pids+=($pid)
  until curl -sf http://127.0.0.1:$p/readyz >/dev/null; do sleep 0.01; done
  local t1; t1=$(date +%s%N)
  sleep 2
  echo "$name: start-to-ready $(( (t1-t0)/1000000 )) ms, idle RSS $(awk '/VmRSS/{print $2" "$3}' /proc/$pid/status)" | tee -a "$out/startup.txt"
  local sid; sid=$(storeid http://127.0.0.1:$p)
  "$out/loadgen" -label "idcenter $name" -url http://127.0.0.1:$p -key $key -secret $secret -store "$sid" -sizes "$sizes" | tee "$out/$name.md"
  echo "$name: RSS after load $(awk '/VmRSS/{print $2" "$3}' /proc/$pid/status)" | tee -a "$out/startup.txt"
  kill $pid
}
: > "$out/startup.txt"
run_idcenter sqlite
pgdir=$(mktemp -d /tmp/idcenter-benchpg.XXXXXX)
eval "$(scripts/pg.sh start "$pgdir")"
db=$(python3 - "$IDCENTER_TEST_POSTGRES" <<'PY'
import sys; print(sys.argv[1].replace("/postgres?", "/bench?"))
PY
)
psql "$IDCENTER_TEST_POSTGRES" -qc 'CREATE DATABASE bench' >/dev/null
run_idcenter postgres IDCENTER_DB="$db"
if command -v moto_server >/dev/null; then
  p=$(port)
  moto_server -p $p >"$out/moto.log" 2>&1 & pids+=($!)
  until curl -s http://127.0.0.1:$p/ >/dev/null; do sleep 0.1; done
  "$out/loadgen" -label moto_server -url http://127.0.0.1:$p -key testing -secret testing -store d-1234567890 -sizes "$motosizes" -n 2000 | tee "$out/moto.md"
fi
