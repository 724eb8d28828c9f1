#!/usr/bin/env bash
# The full test suite: starts a throw-away PostgreSQL, then runs every Go
# test (unit, store conformance on SQLite and PostgreSQL, AWS SDK, CLI and
# browser end-to-end tests). Extra arguments go to `go test`.
set -euo pipefail
cd "$(dirname "$0")/.."
pgdir=$(mktemp -d /tmp/idcenter-pg.XXXXXX)
trap 'scripts/pg.sh stop "$pgdir"; rm -rf "$pgdir"' EXIT
eval "$(scripts/pg.sh start "$pgdir")"
export IDCENTER_TEST_POSTGRES
go test -count=1 -timeout 40m "$@" ./...
