#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server: with-postgres.sh -- COMMAND [ARGS...]
# The server is made from the machine's PostgreSQL binaries (initdb, then pg_ctl) in a
# temporary directory, listens on a free loopback port only, and is stopped and removed when
# the command ends, whatever its exit status (which this script passes on). Its URL is in
# AUDITOR_TEST_POSTGRES for the command. PG_BIN names the binaries' directory when they are
# not in /usr/lib/postgresql/*/bin or on PATH.
set -euo pipefail
[ "${1:-}" = "--" ] && shift
bin="${PG_BIN:-}"
if [ -z "$bin" ]; then
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
fi
if [ -z "$bin" ] && command -v initdb >/dev/null 2>&1; then
    bin="$(dirname "$(command -v initdb)")"
fi
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then
    echo "with-postgres: the store tests need PostgreSQL's initdb and pg_ctl: install them (Debian: apt-get install -y postgresql) or set PG_BIN=/path/to/bin" >&2
    exit 1
fi
dir="$(mktemp -d /tmp/auditor-pg.XXXXXX)"
# initdb refuses to run as root: the server runs as the postgres user (or nobody).
as=()
if [ "$(id -u)" = 0 ]; then
    user=postgres
    id -u "$user" >/dev/null 2>&1 || user=nobody
    chown "$user" "$dir"
    as=(runuser -u "$user" --)
fi
chmod 700 "$dir"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
stop() {
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT
if ! "${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U auditor -E UTF8 --no-sync >"$dir/initdb.log" 2>&1; then
    echo "with-postgres: initdb failed:" >&2
    cat "$dir/initdb.log" >&2
    exit 1
fi
if ! "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null; then
    echo "with-postgres: the server did not start:" >&2
    cat "$dir/server.log" >&2
    exit 1
fi
AUDITOR_TEST_POSTGRES="postgresql://auditor@127.0.0.1:$port/postgres" "$@"
