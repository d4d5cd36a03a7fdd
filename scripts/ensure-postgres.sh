#!/usr/bin/env bash
# Makes sure PostgreSQL's server binaries (initdb, pg_ctl, postgres) are installed: the PostgreSQL tests start
# their own throwaway cluster from them (wal_level=logical, own port) and never touch a server on 5432.
# With --install it installs Debian's postgresql when missing (CI); otherwise it only reports.
set -uo pipefail
bindir() {
  if [ -n "${PG_BINDIR:-}" ] && [ -x "$PG_BINDIR/initdb" ]; then echo "$PG_BINDIR"; return 0; fi
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}
if dir=$(bindir); then echo "postgres: server binaries in $dir"; exit 0; fi
if [ "${1:-}" != "--install" ]; then
  echo "postgres: no PostgreSQL server binaries; PostgreSQL tests will be skipped (run .ci/run or install postgresql)"
  exit 0
fi
echo "postgres: installing Debian postgresql"
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || { echo "postgres: install failed"; exit 1; }
dir=$(bindir) || { echo "postgres: installed, but no initdb found under /usr/lib/postgresql"; exit 1; }
echo "postgres: server binaries in $dir"
