#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server: with-postgres.sh -- COMMAND [ARGS...]
# The server is made from the machine's PostgreSQL binaries (initdb, then pg_ctl) in a
# temporary directory, listens on a free loopback port only, and is stopped and removed when
# the command ends, whatever its exit status (which this script passes on). Its URL is in
# AUDITOR_TEST_POSTGRES for the command. The server also speaks TLS, with a certificate for
# localhost and 127.0.0.1 from a throwaway CA (openssl): the CA's file is in
# AUDITOR_TEST_POSTGRES_CA, and another CA's, which did not sign it, in
# AUDITOR_TEST_POSTGRES_OTHER_CA. PG_BIN names the binaries' directory when they are not in
# /usr/lib/postgresql/*/bin or on PATH.
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
command -v openssl >/dev/null 2>&1 || { echo "with-postgres: openssl is needed for the test server's TLS certificates (Debian: apt-get install -y openssl)" >&2; exit 1; }
tls="$dir/tls"
mkdir -p "$tls"
ca() {
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" -keyout "$tls/$1.key" -out "$tls/$1.pem" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
if ! { ca ca "auditor test CA" && ca other-ca "another CA" \
    && openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null \
    && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' > "$tls/server.ext" \
    && openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
        -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null; }; then
    echo "with-postgres: cannot make the test server's TLS certificates with openssl" >&2
    exit 1
fi
chmod 600 "$tls/server.key"
chmod 644 "$tls/ca.pem" "$tls/other-ca.pem"
[ ${#as[@]} -gt 0 ] && chown -R "$user" "$tls"
chmod 755 "$tls"
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
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c ssl=on -c ssl_cert_file=$tls/server.pem -c ssl_key_file=$tls/server.key" \
    start >/dev/null; then
    echo "with-postgres: the server did not start:" >&2
    cat "$dir/server.log" >&2
    exit 1
fi
AUDITOR_TEST_POSTGRES="postgresql://auditor@127.0.0.1:$port/postgres" \
AUDITOR_TEST_POSTGRES_CA="$tls/ca.pem" \
AUDITOR_TEST_POSTGRES_OTHER_CA="$tls/other-ca.pem" \
    "$@"
