#!/usr/bin/env bash
# Runs a command with a private moto server: with-moto.sh NAME -- COMMAND [ARGS...]
# The server's URL is in AUDITOR_TEST_ENDPOINT for the command; the server stops when the
# command ends, whatever its exit status (which this script passes on).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
name="$1"; shift
[ "${1:-}" = "--" ] && shift
endpoint="$("$here/moto.sh" start "$name")"
trap '"$here/moto.sh" stop "$name"' EXIT
AUDITOR_TEST_ENDPOINT="$endpoint" "$@"
